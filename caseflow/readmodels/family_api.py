"""Family search, the single family view and the access log as JSON (API.md)."""
from __future__ import annotations

from datetime import date

from marshmallow import fields, validate

from caseflow.api.kit import api_blueprint, endpoint
from caseflow.api.schemas import PageQuerySchema
from caseflow.readmodels import family_view as services

bp = api_blueprint("families_api", __name__)


class SearchQuerySchema(PageQuerySchema):
    q = fields.String(load_default="")
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def person_json(member, categories=services.ALL_FIELDS) -> dict:
    """A person, with education and health details only where the caller's categories allow;
    what is cut is named under "redacted" (never a silent gap)."""
    p = member.person
    body = {"id": p.id, "given_name": p.given_name, "family_name": p.family_name,
            "date_of_birth": p.date_of_birth.isoformat() if p.date_of_birth else None,
            "age": p.age_on(date.today()), "sex": p.sex, "relationship": member.relationship_to_family,
            "in_household": member.in_household, "postcode": p.postcode, "address": p.address,
            "nhs_number": p.nhs_number, "upn": p.upn, "school": p.school_name,
            "gp_practice": p.gp_practice_name}
    hidden = [name for name, category in services.FIELD_CATEGORIES.items() if category not in categories]
    for name in hidden:
        body[name] = None
    if hidden:
        body["redacted"] = hidden
    return body


def case_json(case, full: bool = True) -> dict:
    """A case. Without `full` (a partner without case notes), only the household-level facts:
    which case, whether it is open, when, and who the keyworker is."""
    if not full:
        return {"id": case.id, "reference": case.reference, "open": case.is_open,
                "opened_at": case.opened_at.isoformat(), "closed_at": case.closed_at.isoformat() if case.closed_at else None,
                "keyworker_id": case.keyworker_id,
                "redacted": ["stage", "level_of_need", "rag", "closure_reason", "signposted_to", "transitions"]}
    return {"id": case.id, "reference": case.reference, "stage": case.stage,
            "opened_at": case.opened_at.isoformat(),
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "closure_reason": case.closure_reason, "is_re_referral": case.is_re_referral,
            "keyworker_id": case.keyworker_id, "team_id": case.team_id,
            "level_of_need": case.level_of_need, "rag": case.rag, "signposted_to": case.signposted_to,
            "transitions": [{"from": t.from_stage, "to": t.to_stage, "action": t.action,
                             "at": t.at.isoformat(), "actor_id": t.actor_id} for t in case.transitions]}


@endpoint(bp, "/families", "GET", summary="Search families you may see", query=SearchQuerySchema)
def search_families(user, data):
    results, total = services.search_families(user, data["q"], data["page"], data["per_page"])
    return {"items": [{"id": r.family.id, "reference": r.family.reference, "name": r.family.display_name,
                       "open_case_id": r.open_case.id if r.open_case else None,
                       "members": [{"id": m.person.id, "given_name": m.person.given_name,  # only those shown
                                    "family_name": m.person.family_name,
                                    "date_of_birth": m.person.date_of_birth.isoformat() if m.person.date_of_birth else None}
                                   for m in r.members]} for r in results],
            "page": data["page"], "per_page": data["per_page"], "total": total}


@endpoint(bp, "/families/<family_id>", "GET", summary="The single family view")
def get_family(user, data, family_id):
    view = services.view_family(user, family_id)
    body = {"id": view.family.id, "reference": view.family.reference,
            "name": view.family.display_name, "categories": sorted(view.decision.categories),
            "basis": view.decision.basis, "redacted": view.hidden}
    if view.shows("members"):
        body["members"] = [person_json(m, view.categories_for(m.person_id)) for m in view.members]
        body["other_members_withheld"] = view.others_withheld  # never who, or how many
    if view.shows("cases"):
        body["cases"] = [case_json(c, view.shows_case_working) for c in view.cases]
    if view.shows("requests"):
        body["requests"] = [{"id": r.id, "reference": r.reference, "received_at": r.received_at.isoformat(),
                             "source": r.source, "referrer": r.referrer_name,
                             "organisation": r.referrer_organisation, "concerns": r.concerns,
                             "details": r.details, "case_id": r.case_id} for r in view.requests]
    body["plans"], body["contacts"], body["flagged"] = [], [], view.flagged
    # The flag history: partners' notifications about the family and what became of each.
    body["flags"] = [{"event_id": e.id, "reference": e.reference, "type": e.type, "status": e.status,
                      "occurred_at": e.occurred_at.isoformat(), "received_at": e.received_at.isoformat(),
                      "decision_reason": e.decision_reason, "new_case_id": e.new_case_id}
                     for e in view.partner_events] if view.shows("flags") else []
    return body


@endpoint(bp, "/families/<family_id>/access-log", "GET",
          summary="Who read or changed this family's records", query=PageQuerySchema)
def get_access_log(user, data, family_id):
    family, events, total = services.access_log(user, family_id, data["page"], data["per_page"])
    return {"items": [{"at": e.at.isoformat(), "actor": e.actor_label, "actor_id": e.actor_id,
                       "organisation_id": e.actor_org_id, "action": e.action,
                       "object_type": e.object_type, "object_id": e.object_id,
                       "categories": e.categories, "purpose": e.purpose, "basis": e.basis}
                      for e in events],
            "page": data["page"], "per_page": data["per_page"], "total": total}
