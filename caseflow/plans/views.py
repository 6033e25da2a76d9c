"""Casework pages (filled in below)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plans", __name__, template_folder="templates")
