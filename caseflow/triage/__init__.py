"""triage capability: the triage decision at the front door, local eligibility criteria, timeliness."""
