"""Localities: the districts or hubs that run their own panels (seed 001: district triage panels
and Action and Impact meetings per hub; seed 003: a daily 10 am allocation meeting).

A locality is a closed set the administrators maintain. It holds teams (a case one of its teams
holds is the locality's) and families the front door places there by where they live (a new
request has no team yet), and it says how often its allocation meeting sits. A panel with a
locality has that locality's agenda; a panel with none has the whole service's.

Services flush; the entry point commits."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.errors import NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.families.models import Family
from caseflow.panels.models import Locality, LocalityFamily, LocalityTeam, PanelCadence
from caseflow.panels.schemas import LocalitySchema, PlaceFamilySchema

CADENCE_LABELS = {PanelCadence.DAILY: "Daily", PanelCadence.WEEKLY: "Weekly",
                  PanelCadence.FORTNIGHTLY: "Fortnightly", PanelCadence.MONTHLY: "Monthly"}


def after_cadence(last: date, cadence: str) -> date:
    """The day a meeting on this cadence follows one held on `last` (before moving it to a
    working day): the next day, a week, a fortnight, or the same day next month."""
    if cadence == PanelCadence.DAILY:
        return last + timedelta(days=1)
    if cadence == PanelCadence.FORTNIGHTLY:
        return last + timedelta(days=14)
    if cadence == PanelCadence.MONTHLY:
        year, month = (last.year + 1, 1) if last.month == 12 else (last.year, last.month + 1)
        return date(year, month, min(last.day, calendar.monthrange(year, month)[1]))
    return last + timedelta(days=7)


def all_localities() -> list[Locality]:
    """Every locality (a small closed set) with its teams."""
    return list(db.session.scalars(select(Locality).order_by(Locality.name).options(selectinload(Locality.teams))))


def localities(actor) -> list[Locality]:
    require(actor, "locality.view", object_type="locality_list", audit=False)
    return all_localities()


def get_locality(locality_id: str | None) -> Locality | None:
    if not locality_id:
        return None
    locality = db.session.get(Locality, locality_id)
    if locality is None:
        raise ServiceValidationError("Unknown locality.", {"locality_id": ["Choose a locality from the list"]})
    return locality


def save_locality(actor, raw: dict, locality_id: str | None = None) -> Locality:
    """Add a locality, or change one's name, cadence and teams (a team moving here leaves its
    old locality)."""
    require(actor, "locality.manage", object_type="locality", object_id=locality_id, purpose="localities")
    data = load(LocalitySchema, raw)
    if locality_id:
        locality = db.session.get(Locality, locality_id)
        if locality is None:
            raise NotFound("No locality with that id.")
    else:
        locality = Locality()
        db.session.add(locality)
    locality.name, locality.cadence = data["name"].strip(), data["cadence"]
    team_ids = list(dict.fromkeys(data["team_ids"]))
    for link in list(locality.teams):
        if link.team_id not in team_ids:
            locality.teams.remove(link)
    held = {link.team_id for link in locality.teams}
    moving = [t for t in team_ids if t not in held]
    if moving:
        for link in db.session.scalars(select(LocalityTeam).where(LocalityTeam.team_id.in_(moving))):
            db.session.delete(link)
        db.session.flush()
        locality.teams.extend(LocalityTeam(team_id=t) for t in moving)
    try:
        db.session.flush()
    except IntegrityError:  # a duplicate name or an unknown team: the caller's savepoint undoes it
        raise ServiceValidationError("That locality could not be saved.", {
            "name": ["A locality with that name already exists, or a team was not recognised"]}) from None
    audit.record(actor, "locality.save", "locality", locality.id, purpose="localities")
    return locality


def place_family(actor, locality_id: str, raw: dict) -> LocalityFamily:
    """Place a family (by its reference) in a locality, moving it from any other."""
    locality = db.session.get(Locality, locality_id)
    if locality is None:
        raise NotFound("No locality with that id.")
    require(actor, "locality.place_family", object_type="locality", object_id=locality.id,
            purpose="locality placement")
    data = load(PlaceFamilySchema, raw)
    family = db.session.scalar(select(Family).where(Family.reference == data["family_reference"].strip().upper()))
    if family is None:
        raise ServiceValidationError("Unknown family.", {"family_reference": ["No family has that reference"]})
    placed = db.session.scalar(select(LocalityFamily).where(LocalityFamily.family_id == family.id))
    if placed is None:
        placed = LocalityFamily(family_id=family.id, locality_id=locality.id, placed_by_id=actor.id)
        db.session.add(placed)
    else:
        placed.locality_id, placed.placed_by_id = locality.id, actor.id
    db.session.flush()
    audit.record(actor, "locality.place_family", "family", family.id, family_id=family.id,
                 purpose="locality placement")
    return placed


def case_in_locality(locality_id: str):
    """SQL over Case: the case's family is placed in the locality, or one of its teams holds it."""
    return or_(Case.family_id.in_(select(LocalityFamily.family_id).where(LocalityFamily.locality_id == locality_id)),
               Case.team_id.in_(select(LocalityTeam.team_id).where(LocalityTeam.locality_id == locality_id)))


def locality_of_case(case: Case) -> str | None:
    """The locality a case belongs to: its team's, else its family's placement."""
    if case.team_id:
        found = db.session.scalar(select(LocalityTeam.locality_id).where(LocalityTeam.team_id == case.team_id))
        if found:
            return found
    return db.session.scalar(select(LocalityFamily.locality_id).where(LocalityFamily.family_id == case.family_id))
