"""The outcome wheel: ten areas of family life (administrators word and maintain them), scored 1
to 10 by the family and by the keyworker at assessment and again at each review, so progress
shows as distance travelled from the baseline. The shape of tools such as Family Star Plus, in
the service's own words. Policy: wheel.view and wheel.record (the casework rules), and
wheel.areas.manage (administrators)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from caseflow.cases.models import Case
from caseflow.cases.services import load_case
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.practice.models import WheelArea, WheelScore, WheelScoring
from caseflow.practice.schemas import WheelAreaSchema, WheelScoringSchema
from caseflow.practice.vocab import DEFAULT_WHEEL_AREAS, WHEEL_SIZE

PURPOSE = "outcome wheel"


# --- the areas (administrators) ------------------------------------------------------------------

def seed_defaults() -> None:
    """An area that has never set up its wheel starts with the default ten."""
    if db.session.scalar(select(func.count()).select_from(WheelArea)):
        return
    for position, (code, label, description) in enumerate(DEFAULT_WHEEL_AREAS, start=1):
        db.session.add(WheelArea(code=code, label=label, description=description, position=position))
    db.session.flush()


def active_areas() -> list[WheelArea]:
    seed_defaults()
    return list(db.session.scalars(select(WheelArea).where(WheelArea.active)
                                   .order_by(WheelArea.position, WheelArea.label)))


def all_areas(actor) -> list[WheelArea]:
    require(actor, "wheel.areas.manage", object_type="wheel_area", audit=False)
    seed_defaults()
    return list(db.session.scalars(select(WheelArea).order_by(WheelArea.active.desc(), WheelArea.position,
                                                              WheelArea.label)))


def _code(label: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:32] or "area"
    code, n = base, 1
    while db.session.scalar(select(WheelArea.id).where(WheelArea.code == code)):
        n += 1
        code = f"{base}_{n}"
    return code


def _check_size(becoming_active: int) -> None:
    if becoming_active > WHEEL_SIZE:
        raise ServiceValidationError("Some answers need changing.", {"active": [
            f"The wheel has {WHEEL_SIZE} areas: retire one before adding another"]})


def add_area(actor, raw: dict) -> WheelArea:
    require(actor, "wheel.areas.manage", object_type="wheel_area", audit=False)
    data = load(WheelAreaSchema, raw)
    seed_defaults()
    active = db.session.scalar(select(func.count()).select_from(WheelArea).where(WheelArea.active)) or 0
    if data["active"]:
        _check_size(active + 1)
    position = data.get("position") or (db.session.scalar(select(func.max(WheelArea.position))) or 0) + 1
    area = WheelArea(code=_code(data["label"]), label=data["label"].strip(),
                     description=(data.get("description") or "").strip() or None, position=position,
                     active=data["active"])
    db.session.add(area)
    db.session.flush()
    audit.record(actor, "wheel.area.add", "wheel_area", area.id, purpose="outcome wheel areas")
    return area


def update_area(actor, area_id: str, raw: dict) -> WheelArea:
    """Reword, reorder, retire or bring back an area. Scores already given keep pointing at it,
    so a retired area still shows in a family's history."""
    require(actor, "wheel.areas.manage", object_type="wheel_area", object_id=area_id, audit=False)
    area = db.session.get(WheelArea, area_id)
    if area is None:
        raise NotFound("No outcome wheel area with that id.")
    data = load(WheelAreaSchema, raw)
    if data["active"] and not area.active:
        _check_size((db.session.scalar(select(func.count()).select_from(WheelArea).where(WheelArea.active)) or 0) + 1)
    area.label, area.active = data["label"].strip(), data["active"]
    area.description = (data.get("description") or "").strip() or None
    if data.get("position"):
        area.position = data["position"]
    audit.record(actor, "wheel.area.update", "wheel_area", area.id, purpose="outcome wheel areas")
    return area


# --- scoring a family's wheel --------------------------------------------------------------------

def record(actor, case_id: str, raw: dict) -> WheelScoring:
    case, _ = load_case(actor, case_id, "wheel.record", PURPOSE, lock=True)
    if not case.is_open:
        raise Conflict("The outcome wheel is scored on an open case.")
    areas = active_areas()
    data = load(WheelScoringSchema, raw)
    scores = data["scores"]
    missing = {f"scores.{a.id}": ["Give the family's and your score for this area"] for a in areas if a.id not in scores}
    if missing:
        raise ServiceValidationError("Some answers are missing.", missing)
    scoring = WheelScoring(case_id=case.id, occasion=data["occasion"], scored_on=data["scored_on"],
                           comment=(data.get("comment") or "").strip() or None, scored_by_id=actor.id,
                           scores=[WheelScore(area_id=a.id, family_score=scores[a.id]["family"],
                                              worker_score=scores[a.id]["worker"]) for a in areas])
    db.session.add(scoring)
    db.session.flush()
    audit.record(actor, "wheel.record", "wheel_scoring", scoring.id, family_id=case.family_id,
                 categories=["case_notes"], purpose=PURPOSE)
    return scoring


@dataclass
class AreaTravel:
    """One area's distance travelled: the first and latest scores, by the family and the keyworker."""
    area: WheelArea
    family_first: int
    family_latest: int
    worker_first: int
    worker_latest: int

    @property
    def family_change(self) -> int:
        return self.family_latest - self.family_first

    @property
    def worker_change(self) -> int:
        return self.worker_latest - self.worker_first


@dataclass
class WheelHistory:
    case: Case
    scorings: list[WheelScoring]  # oldest first
    travel: list[AreaTravel]

    @property
    def first(self) -> WheelScoring | None:
        return self.scorings[0] if self.scorings else None

    @property
    def latest(self) -> WheelScoring | None:
        return self.scorings[-1] if self.scorings else None


def history(actor, case_id: str) -> WheelHistory:
    """The case's scorings, oldest first, and each area's distance travelled from the first
    scoring that included it to the latest (a case is scored a handful of times)."""
    case, _ = load_case(actor, case_id, "wheel.view", PURPOSE)
    scorings = list(db.session.scalars(select(WheelScoring).where(WheelScoring.case_id == case.id)
                                       .options(selectinload(WheelScoring.scores))
                                       .order_by(WheelScoring.scored_on, WheelScoring.recorded_at).limit(100)))
    by_area: dict[str, list[WheelScore]] = {}
    for scoring in scorings:
        for score in scoring.scores:
            by_area.setdefault(score.area_id, []).append(score)
    areas = {a.id: a for a in db.session.scalars(select(WheelArea).where(WheelArea.id.in_(by_area)))} if by_area else {}
    travel = [AreaTravel(areas[area_id], s[0].family_score, s[-1].family_score, s[0].worker_score, s[-1].worker_score)
              for area_id, s in by_area.items()]
    travel.sort(key=lambda t: (not t.area.active, t.area.position, t.area.label))
    return WheelHistory(case, scorings, travel)
