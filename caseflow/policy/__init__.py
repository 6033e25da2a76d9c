"""The access rules every action is decided by (registered on caseflow.core.access at start-up)."""
