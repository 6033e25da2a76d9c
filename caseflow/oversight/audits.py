"""Case file audit (dip sampling): a manager draws a random sample of a team's cases open during
a period, grades each file against the area's checklist (outstanding, good, requires
improvement, inadequate), records the actions for the keyworker, and follows the grades month by
month. The checklist is the area's own: managers add and retire questions, and a graded file
keeps each question's words as they were when it was graded."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date

from sqlalchemy import func, select

from caseflow.auth.models import Team
from caseflow.cases.models import Case
from caseflow.core import audit, keyset, timescales
from caseflow.core.access import require
from caseflow.core.database import utcnow
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.oversight.models import AuditChecklistItem, AuditSample, CaseFileAudit
from caseflow.oversight.schemas import ChecklistItemSchema, GradingSchema, SampleSchema
from caseflow.oversight.vocab import DEFAULT_CHECKLIST, GRADES, AuditStatus

PURPOSE = "case file audit"


def _manager(actor):
    return require(actor, "audit.manage", object_type="case_file_audit", purpose=PURPOSE, audit=False)


# --- the checklist -----------------------------------------------------------------------------

def checklist(actor) -> list[AuditChecklistItem]:
    """The active questions, in order; an area with none yet starts from DEFAULT_CHECKLIST."""
    _manager(actor)
    items = list(db.session.scalars(select(AuditChecklistItem).order_by(AuditChecklistItem.position)))
    if not items:
        for position, (code, question) in enumerate(DEFAULT_CHECKLIST):
            db.session.add(AuditChecklistItem(code=code, question=question, position=position))
        db.session.flush()
        items = list(db.session.scalars(select(AuditChecklistItem).order_by(AuditChecklistItem.position)))
    return [i for i in items if i.active]


def add_question(actor, raw: dict) -> AuditChecklistItem:
    checklist(actor)
    question = load(ChecklistItemSchema, raw)["question"].strip()
    base = re.sub(r"[^a-z0-9]+", "_", question.lower()).strip("_")[:30] or "question"
    code, n = base, 1
    while db.session.scalar(select(AuditChecklistItem.id).where(AuditChecklistItem.code == code)):
        n += 1
        code = f"{base}_{n}"
    position = (db.session.scalar(select(func.max(AuditChecklistItem.position))) or 0) + 1
    item = AuditChecklistItem(code=code, question=question, position=position)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "audit.checklist.add", "audit_checklist_item", item.id, purpose=PURPOSE)
    return item


def retire_question(actor, item_id: str) -> AuditChecklistItem:
    _manager(actor)
    item = db.session.get(AuditChecklistItem, item_id)
    if item is None:
        raise NotFound("No such checklist question.")
    item.active = False
    audit.record(actor, "audit.checklist.retire", "audit_checklist_item", item.id, purpose=PURPOSE)
    return item


# --- samples -----------------------------------------------------------------------------------

def draw_sample(actor, raw: dict) -> AuditSample:
    """A random sample of the team's cases that were open at any time in the period and had a
    keyworker (the files there is work to audit). The database draws it (ORDER BY random())."""
    _manager(actor)
    data = load(SampleSchema, raw)
    team = db.session.get(Team, data["team_id"])
    if team is None or team.organisation_id != actor.organisation_id:
        raise ServiceValidationError("Choose a team.", {"team_id": ["Choose one of your organisation's teams"]})
    start, end = data["period_start"], data["period_end"]
    if end < start:
        raise ServiceValidationError("Some answers need changing.", {
            "period_end": ["The end of the period must be on or after its start"]})
    clauses = [Case.team_id == team.id, Case.keyworker_id.is_not(None),
               Case.opened_at < timescales.start_of_day_after(end),
               (Case.closed_at.is_(None)) | (Case.closed_at >= timescales.start_of_day(start))]
    eligible = keyset.bounded_count(select(Case.id).where(*clauses))
    chosen = list(db.session.execute(select(Case.id, Case.family_id).where(*clauses)
                                     .order_by(func.random()).limit(data["size"])).all())
    if not chosen:
        raise ServiceValidationError("No cases to sample.", {
            "team_id": [f"{team.name} had no allocated cases open between {timescales.format_uk_date(start)} "
                        f"and {timescales.format_uk_date(end)}"]})
    sample = AuditSample(team_id=team.id, period_start=start, period_end=end, drawn_by_id=actor.id,
                         eligible=int(eligible))
    for position, (case_id, _) in enumerate(chosen):
        sample.audits.append(CaseFileAudit(case_id=case_id, position=position))
    db.session.add(sample)
    db.session.flush()
    audit.record_reads(actor, "audit.sample", "audit_sample", [family_id for _, family_id in chosen],
                       object_id=sample.id, categories=["identity"], purpose=PURPOSE)
    return sample


def samples(actor, limit: int = 50) -> list[AuditSample]:
    _manager(actor)
    return list(db.session.scalars(select(AuditSample).join(Team, Team.id == AuditSample.team_id)
                                   .where(Team.organisation_id == actor.organisation_id)
                                   .order_by(AuditSample.drawn_at.desc()).limit(limit)))


def sample(actor, sample_id: str):
    """The sample with each file's case and family (one query for the files)."""
    _manager(actor)
    found = db.session.get(AuditSample, sample_id)
    if found is None or db.session.get(Team, found.team_id).organisation_id != actor.organisation_id:
        raise NotFound("No such sample.")
    from caseflow.families.models import Family

    rows = db.session.execute(select(CaseFileAudit, Case, Family).join(Case, Case.id == CaseFileAudit.case_id)
                              .join(Family, Family.id == Case.family_id)
                              .where(CaseFileAudit.sample_id == found.id).order_by(CaseFileAudit.position)).all()
    audit.record_reads(actor, "audit.sample", "audit_sample", [f.id for _, _, f in rows], object_id=found.id,
                       categories=["identity"], purpose=PURPOSE)
    return found, rows


# --- grading -----------------------------------------------------------------------------------

def file_audit(actor, audit_id: str) -> tuple[CaseFileAudit, Case]:
    _manager(actor)
    record = db.session.get(CaseFileAudit, audit_id)
    if record is None or db.session.get(Team, record.sample.team_id).organisation_id != actor.organisation_id:
        raise NotFound("No such case file audit.")
    case = db.session.get(Case, record.case_id)
    return record, case


def grade(actor, audit_id: str, raw: dict) -> CaseFileAudit:
    """Grade one file: every active question, the overall grade, findings and the keyworker's
    actions. Reading the file to grade it is on the family's access log."""
    record, case = file_audit(actor, audit_id)
    if record.status == AuditStatus.GRADED:
        raise Conflict("This file has been graded.")
    require(actor, "audit.manage", case, object_type="case", family_id=case.family_id, purpose=PURPOSE)
    data = load(GradingSchema, raw)
    questions = checklist(actor)
    missing = {f"answers.{q.code}": [f"Grade: {q.question}"] for q in questions if q.code not in data["answers"]}
    if missing:
        raise ServiceValidationError("Grade every question.", missing)
    record.answers = [{"code": q.code, "question": q.question, "grade": data["answers"][q.code]} for q in questions]
    record.grade, record.status = data["grade"], AuditStatus.GRADED
    record.findings = data["findings"].strip()
    record.actions = (data.get("actions") or "").strip() or None
    record.graded_by_id, record.graded_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "audit.grade", "case_file_audit", record.id, family_id=case.family_id,
                 categories=["case_notes"], purpose=PURPOSE)
    return record


def actions_for_case(actor, case) -> list[CaseFileAudit]:
    """Graded audits of this case, newest first, for the keyworker and managers (audit.actions)."""
    require(actor, "audit.actions", case, object_type="case", family_id=case.family_id, purpose=PURPOSE)
    return list(db.session.scalars(select(CaseFileAudit).where(
        CaseFileAudit.case_id == case.id, CaseFileAudit.status == AuditStatus.GRADED)
        .order_by(CaseFileAudit.graded_at.desc()).limit(20)))


def grades_over_time(actor, months: int = 12) -> list[dict]:
    """Overall grades per month of grading, oldest first: counts only, no personal data."""
    _manager(actor)
    today = timescales.today_london()
    first = _months_back(today, months - 1)
    rows = db.session.execute(select(CaseFileAudit.graded_at, CaseFileAudit.grade)
                              .join(AuditSample, AuditSample.id == CaseFileAudit.sample_id)
                              .join(Team, Team.id == AuditSample.team_id)
                              .where(Team.organisation_id == actor.organisation_id,
                                     CaseFileAudit.graded_at >= timescales.start_of_day(first))).all()
    counts: dict[str, Counter] = {}
    for graded_at, grade_ in rows:
        counts.setdefault(timescales.to_london(graded_at).strftime("%Y-%m"), Counter())[grade_] += 1
    out, month = [], first
    while month <= today:
        key = month.strftime("%Y-%m")
        out.append({"month": key, "label": timescales.format_uk_month(month),
                    **{g.value: counts.get(key, Counter())[g] for g in GRADES}})
        month = _months_back(month, -1)
    return out


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
