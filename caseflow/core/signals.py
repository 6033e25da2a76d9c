"""Domain events one package announces and another acts on (DESIGN.md §2: packages talk through
signals, not imports), so a lower package never imports a higher one.

Receivers run synchronously, inside the sender's transaction: what they change is committed or
rolled back with the sender's work, by the entry point's unit of work. A receiver connects when
its package is imported (create_app imports every package).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Triage decided the case goes straight to children's social care: social care records the
# step-up and tells its duty team. Sent with case=..., rationale=...; the receiver returns the
# step-up record.
step_up_at_triage = _signals.signal("step-up-at-triage")

# A request for help has been recorded (caseflow.frontdoor): the notification queue looks for a
# pattern of concerns about the children it names. Sent with request=...
concern_received = _signals.signal("concern-received")


def send_handled(signal, sender, **kwargs):
    """Send a signal that must be acted on; refuse loudly if nothing is listening, rather than
    record a decision nobody carries out. Returns the first receiver's result."""
    if not signal.receivers:
        raise RuntimeError(f"Nothing handles the '{signal.name}' signal: is its package imported?")
    return signal.send(sender, **kwargs)[0][1]
