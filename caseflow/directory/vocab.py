"""Closed sets of the directory."""
from __future__ import annotations

from enum import StrEnum


class SignpostContext(StrEnum):
    """Where in the flow a family was pointed to a service."""
    TRIAGE = "triage"
    PANEL = "panel"
    CLOSURE = "closure"


SIGNPOST_CONTEXTS = {
    SignpostContext.TRIAGE: "At triage",
    SignpostContext.PANEL: "At panel",
    SignpostContext.CLOSURE: "At closure",
}
