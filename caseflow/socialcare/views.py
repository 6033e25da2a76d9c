"""Step-up and step-down forms, the social care panel of the case page, the handover pack and
the manager's transitions dashboard."""
from __future__ import annotations

from flask import Blueprint
bp = Blueprint("socialcare", __name__, template_folder="templates")
