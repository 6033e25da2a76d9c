"""CaseFlow: multi-agency case management for Early Help family support.

The app factory is caseflow.app.create_app(); nothing happens at import time. ARCHITECTURE.md
describes the layers: caseflow.core at the bottom, the domain packages, the read models, and the
entry points (web views, /api/v1, the CLI and queued jobs) on top.
"""
