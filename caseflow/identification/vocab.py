"""Closed sets of the data identification route."""
from __future__ import annotations

from enum import StrEnum


class IdentifiedState(StrEnum):
    PROPOSED = "proposed"                # on the list, waiting for the front door
    REQUEST_STARTED = "request_started"  # the front door started a request for help from it
    DISMISSED = "dismissed"              # the front door decided not to (with a reason)


IDENTIFIED_STATES = {
    IdentifiedState.PROPOSED: "Waiting for the front door",
    IdentifiedState.REQUEST_STARTED: "Request started",
    IdentifiedState.DISMISSED: "Dismissed",
}

# The eligibility rule the programme sets (DOMAIN.md: "a family needs at least two").
DEFAULT_MIN_PROBLEMS = 2
