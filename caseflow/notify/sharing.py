"""What a recipient may still read of a notification already delivered: partners read one only
while consent or a lawful basis (or their place in the TAF) still lets them see its family, so a
withdrawal reaches messages already sent. The inbox, acknowledging and every channel (email,
webhook) cut content the same way, here."""
from __future__ import annotations

from caseflow.core.extensions import db

WITHHELD_TITLE = "A notification you can no longer read"
WITHHELD_BODY = ("The family withdrew consent, or the basis for sharing ended, after this was sent, "
                 "so its content is withheld.")


def no_longer_shared(actor, items) -> set[str]:
    """Partners read a notification only while consent or a lawful basis (or their place in the
    TAF) still lets them see its family: withdrawal reaches messages already delivered."""
    from caseflow.core.roles import Role
    from caseflow.cases.models import Case
    from caseflow.core.access import can

    if actor.role not in {Role.PARTNER, Role.PARTNER_SYSTEM, Role.PANEL_MEMBER}:
        return set()
    decisions: dict[tuple, object] = {}
    withheld = set()
    for note in items:
        if not note.family_id or note.basis:
            continue  # shared on a basis other than consent (e.g. Operation Encompass)
        key = (note.family_id, note.case_id)
        if key not in decisions:
            case = db.session.get(Case, note.case_id) if note.case_id else None
            family = _family(note.family_id)
            if case is not None:
                decisions[key] = can(actor, "case.view", case) or can(actor, "plan.view", case)
            else:
                decisions[key] = can(actor, "family.view", family) if family is not None else None
        decision = decisions[key]
        # Per person: a notification about someone the partner's grants no longer cover is
        # withheld, even while another member's consent still opens the family.
        if not decision or not all(decision.shows_person(p) for p in note.person_ids or []):
            withheld.add(note.id)
    return withheld


def _family(family_id):
    from caseflow.families.models import Family

    return db.session.get(Family, family_id)
