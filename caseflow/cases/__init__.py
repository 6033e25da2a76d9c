"""Cases: each period of work with a family. Their stages move only through caseflow.flow."""
