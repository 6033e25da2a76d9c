"""The area's Outcomes Plan: versioned data an administrator edits.

A version is never changed. Choosing a framework or editing a problem saves a new version, in
force from that moment; a family is judged by the version in force when its family plan was
agreed, and a claim keeps the version it was made under, so editing the plan changes neither.
"""
from __future__ import annotations

import bisect
from datetime import datetime

from sqlalchemy import func, select

from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.database import utcnow
from caseflow.core.errors import NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.outcomes.frameworks import shipped
from caseflow.outcomes.models import OutcomesPlanVersion
from caseflow.outcomes.schemas import DefinitionSchema, PlanVersionInSchema, ProblemSchema
from caseflow.outcomes.vocab import Framework


def current() -> OutcomesPlanVersion:
    """The version in force now; an area that has not chosen starts with the six headline problems."""
    version = db.session.scalar(select(OutcomesPlanVersion).order_by(OutcomesPlanVersion.number.desc()).limit(1))
    return version or _save(None, Framework.SIX_HEADLINE_PROBLEMS, shipped(Framework.SIX_HEADLINE_PROBLEMS),
                            "The shipped framework, until the area chooses")


def versions() -> list[OutcomesPlanVersion]:
    current()
    return list(db.session.scalars(select(OutcomesPlanVersion).order_by(OutcomesPlanVersion.number)))


class VersionsInForce:
    """Which version was in force at a moment, for many families at once (one query)."""

    def __init__(self):
        self.versions = versions()
        self._starts = [v.in_force_from for v in self.versions]

    def at(self, moment: datetime) -> OutcomesPlanVersion:
        index = bisect.bisect_right(self._starts, moment) - 1
        return self.versions[max(index, 0)]  # a plan agreed before the first version: the first


def get(version_id: str) -> OutcomesPlanVersion:
    version = db.session.get(OutcomesPlanVersion, version_id)
    if version is None:
        raise NotFound("No such Outcomes Plan version.")
    return version


def _save(actor, framework, definition: dict, note: str | None) -> OutcomesPlanVersion:
    number = (db.session.scalar(select(func.max(OutcomesPlanVersion.number))) or 0) + 1
    version = OutcomesPlanVersion(number=number, framework=framework, definition=definition,
                                  in_force_from=utcnow(), change_note=note,
                                  created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    if actor is not None:
        audit.record(actor, "outcomes.plan.edit", "outcomes_plan_version", version.id,
                     purpose=f"Outcomes Plan version {number}")
    return version


def save_version(actor, raw: dict) -> OutcomesPlanVersion:
    """A new version: a shipped framework as it comes, or a whole edited definition."""
    require(actor, "outcomes.plan.edit", object_type="outcomes_plan", purpose="edit the Outcomes Plan")
    data = load(PlanVersionInSchema, raw)
    definition = data.get("definition") or shipped(data["framework"])
    return _save(actor, data["framework"], _plain(definition), data.get("change_note"))


def edit_problem(actor, code: str, raw: dict) -> OutcomesPlanVersion:
    """The editor's form for one problem: the current definition with that problem replaced."""
    require(actor, "outcomes.plan.edit", object_type="outcomes_plan", purpose="edit the Outcomes Plan")
    version = current()
    problem = load(ProblemSchema, {**raw, "code": code})
    definition = _plain(version.definition)
    codes = [p["code"] for p in definition["problems"]]
    if code not in codes:
        raise NotFound("The plan has no such problem.")
    definition["problems"][codes.index(code)] = _plain(problem)
    load(DefinitionSchema, definition)  # the whole plan still holds together
    note = (raw.get("change_note") or "").strip() or f"Edited {problem['label']}"
    if len(note) > 500:
        raise ServiceValidationError("The note is too long.", {"change_note": ["Keep the note under 500 characters"]})
    return _save(actor, version.framework, definition, note)


def _plain(value):
    """Definitions are stored as JSON: no None thresholds a measure does not use."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
