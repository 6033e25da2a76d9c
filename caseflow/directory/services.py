"""Keeping the directory (administrators) and picking from it when signposting a family.

The directory holds no personal data: reading it asks the policy (staff only) without an audit
row. Recording that a family was pointed to a service is part of the decision that does it
(triage, panel or closure): that service has already asked the policy and audits its decision."""
from __future__ import annotations

from sqlalchemy import String, cast, func, select

from caseflow.core import audit, keyset
from caseflow.core.access import require
from caseflow.core.database import utcnow
from caseflow.core.errors import NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.directory.models import CaseSignpost, LocalService
from caseflow.directory.schemas import LocalServiceSchema
from caseflow.directory.vocab import SignpostContext

FIELDS = ("name", "organisation", "offers", "problems", "area", "phone", "email", "website", "address",
          "eligibility", "active")


def _clean(data: dict) -> dict:
    cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in data.items() if k in FIELDS}
    cleaned["problems"] = list(dict.fromkeys(cleaned["problems"]))  # each headline problem once
    return cleaned


def add(actor, raw: dict) -> LocalService:
    require(actor, "directory.manage", object_type="local_service", audit=False)
    data = _clean(load(LocalServiceSchema, raw))
    service = LocalService(**data, updated_by_id=actor.id)
    db.session.add(service)
    db.session.flush()
    audit.record(actor, "directory.add", "local_service", service.id, purpose="configuration")
    return service


def update(actor, service_id: str, raw: dict) -> LocalService:
    require(actor, "directory.manage", object_type="local_service", audit=False)
    service = db.session.get(LocalService, service_id)
    if service is None:
        raise NotFound("No such service in the directory.")
    data = _clean(load(LocalServiceSchema, raw))
    for name, value in data.items():
        setattr(service, name, value)
    service.updated_by_id, service.updated_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "directory.update", "local_service", service.id, purpose="configuration")
    return service


def get(actor, service_id: str, action: str = "directory.view") -> LocalService:
    require(actor, action, object_type="local_service", audit=False)
    service = db.session.get(LocalService, service_id)
    if service is None:
        raise NotFound("No such service in the directory.")
    return service


def listing(actor, *, problem: str | None = None, area: str | None = None, include_retired: bool = False,
            page: int = 1, per_page: int = 50, action: str = "directory.view"):
    """A page of services by name (active only, unless an administrator asks for all) and the
    total, counted up to 1,000. `problem` keeps services that help with that headline problem."""
    require(actor, action, object_type="local_service", audit=False)
    query = select(LocalService)
    if not include_retired:
        query = query.where(LocalService.active.is_(True))
    if area:
        query = query.where(func.lower(LocalService.area).contains(area.strip().lower(), autoescape=True))
    if problem:  # the codes are a closed set: a quoted code matches only itself in the JSON list
        query = query.where(cast(LocalService.problems, String).like(f'%"{problem}"%'))
    total = keyset.bounded_count(query)
    rows = list(db.session.scalars(query.order_by(LocalService.active.desc(), LocalService.name, LocalService.id)
                                   .offset((page - 1) * per_page).limit(per_page)))
    return rows, total


def choices(actor) -> list[LocalService]:
    """Every active service, for the signposting pickers."""
    require(actor, "directory.view", object_type="local_service", audit=False)
    return list(db.session.scalars(select(LocalService).where(LocalService.active.is_(True))
                                   .order_by(LocalService.name, LocalService.id).limit(500)))


def signpost(actor, case, service_ids, context: SignpostContext, field: str = "service_ids") -> list[LocalService]:
    """Record that the family was pointed to these active directory services. The caller (triage,
    panel or closure) has asked the policy about the case and audits its own decision."""
    ids = list(dict.fromkeys(i for i in (service_ids or []) if i))
    if not ids:
        return []
    found = {s.id: s for s in db.session.scalars(select(LocalService).where(
        LocalService.id.in_(ids), LocalService.active.is_(True)))}
    if len(found) != len(ids):
        raise ServiceValidationError("Choose services from the directory.",
                                     {field: ["Choose services from the directory"]})
    for service_id in ids:
        db.session.add(CaseSignpost(case_id=case.id, service_id=service_id, context=context, chosen_by_id=actor.id))
    db.session.flush()
    return [found[i] for i in ids]


def signposted_names(services: list[LocalService]) -> str:
    return "; ".join(f"{s.name} ({s.organisation})" for s in services)[:300]


def signposts_for(case_id: str) -> list[CaseSignpost]:
    """The services a case's family was pointed to, in the order chosen. Callers have asked the
    policy about the case already (the letter, the case page)."""
    return list(db.session.scalars(select(CaseSignpost).where(CaseSignpost.case_id == case_id)
                                   .order_by(CaseSignpost.chosen_at, CaseSignpost.id).limit(50)))
