"""Pages for family records over time (filled in below)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("records", __name__, template_folder="templates")
