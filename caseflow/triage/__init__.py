"""triage capability."""
