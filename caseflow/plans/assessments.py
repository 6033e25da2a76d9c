"""The one whole-family assessment per case.

A draft autosaves (every save is a version; a stale save gets 409 instead of overwriting a
colleague's work). Completing it checks it is whole (every member, the family's own words, each
child's voice, a baseline score for each confirmed headline problem), moves the case to planning
and locks it; anything learned later is a dated addendum. A new draft starts from what the
service already holds (the family's members, the requests, triage's evidence and the previous
case's assessment), so the family is not asked to tell their story again.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from caseflow.core import stages as flow
from caseflow.cases.models import Case
from caseflow.core import audit
from caseflow.core.access import Decision, can
from caseflow.core.database import utcnow
from caseflow.core.extensions import db
from caseflow.core.vocab import Category
from caseflow.families.models import FamilyMember
from caseflow.frontdoor.models import RequestForHelp
from caseflow.plans import deadlines
from caseflow.cases.services import load_case
from caseflow.plans.models import Assessment, AssessmentAddendum
from caseflow.plans.schemas import AddendumSchema, AssessmentSchema
from caseflow.plans.vocab import DOMAINS, AssessmentStatus
from caseflow.core.errors import Conflict, ServiceValidationError, StaleVersion, load
from caseflow.triage.models import TriageDecision

CATEGORIES = ["identity", "case_notes", "education", "health", "police", "finances_employment"]


@dataclass
class AssessmentView:
    case: Case
    assessment: Assessment | None
    content: dict  # what the form shows: the saved draft, or a pre-filled new one
    decision: Decision
    can_record: bool = False  # the policy's casework.record: whoever does this case's casework

    @property
    def locked(self) -> bool:
        return self.assessment is not None and self.assessment.status == AssessmentStatus.COMPLETE


def view(actor, case_id: str) -> AssessmentView:
    case, decision = load_case(actor, case_id, "casework.view", "assessment")
    assessment = _assessment(case.id)
    content = _content(assessment) if assessment else prefill(case, reader=actor)
    content["members"] = members_for(decision, content["members"])
    return AssessmentView(case, assessment, content, decision, bool(can(actor, "casework.record", case)))


def members_for(decision: Decision, members: list[dict]) -> list[dict]:
    """The assessment's members as this reader may see them, person by person: someone the
    reader's grants do not cover is left out; someone covered without case notes appears by
    name with their words withheld (and saying so)."""
    if decision.people is None:
        return members
    shown = []
    for member in members:
        seen = decision.categories_for(member.get("person_id"))
        if "identity" not in seen:
            continue
        if "case_notes" not in seen:
            member = {**member, "voice": None, "redacted": ["voice"]}
        shown.append(member)
    return shown


def _assessment(case_id: str) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(Assessment.case_id == case_id))


def _content(a: Assessment) -> dict:
    return {"members": a.members or [], "domains": a.domains or {}, "family_views": a.family_views,
            "summary": a.summary, "confirmed_problems": a.confirmed_problems or [],
            "baseline": a.baseline or {}, "version": a.version}


def _family_members(case: Case) -> list[FamilyMember]:
    return list(db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == case.family_id)
                                   .order_by(FamilyMember.created_at)))


def _member_facts(membership: FamilyMember) -> dict:
    person = membership.person
    return {"person_id": person.id, "name": f"{person.given_name} {person.family_name}",
            "relationship": membership.relationship_to_family,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None}


def household(case: Case) -> list[dict]:
    """The family's members as an assessment lists them: who each is, nothing of what was
    assessed (the contact form's "who was seen")."""
    return [_member_facts(m) for m in _family_members(case)]


def prefill(case: Case, reader=None) -> dict:
    """A new assessment, started from what the service already knows. Shown to a `reader`, it
    carries only what that reader may read through its own door: each request's text under
    request.view (a partner reads its own referral, not another agency's), triage's evidence
    under triage.view (partners hear triage's outcome, not its working)."""
    members = [{**facts, "worked_with": True, "voice": ""} for facts in household(case)]
    needs: dict[str, list[str]] = {}
    confirmed: list[str] = []
    shows_triage = reader is None or bool(can(reader, "triage.view", case))
    for decision in db.session.scalars(select(TriageDecision).where(TriageDecision.case_id == case.id)
                                       .order_by(TriageDecision.decided_at)):
        for problem in decision.headline_problems:
            if problem["code"] not in confirmed:
                confirmed.append(problem["code"])
            if problem.get("evidence") and shows_triage:
                needs.setdefault(problem["code"], []).append(f"Triage evidence: {problem['evidence']}")

    def readable(request) -> bool:
        return reader is None or Category.REFERRAL in can(reader, "request.view", request).categories

    summary = [f"Request for help ({request.received_at:%d %B %Y}): {request.details}"
               for request in db.session.scalars(select(RequestForHelp).where(RequestForHelp.case_id == case.id)
                                                 .order_by(RequestForHelp.received_at))
               if request.details and readable(request)]
    domains = {code: {"strengths": "", "needs": "\n".join(lines)} for code, lines in needs.items()}
    content = {"members": members, "domains": domains, "family_views": "", "summary": "\n".join(summary),
               "confirmed_problems": confirmed, "baseline": {}, "version": None}
    previous = _previous_assessment(case)
    if previous is not None:  # carry the family's history forward; the keyworker updates it
        for code, text in (previous.domains or {}).items():
            merged = domains.setdefault(code, {"strengths": "", "needs": ""})
            for part in ("strengths", "needs"):
                if text.get(part):
                    merged[part] = "\n".join(filter(None, [
                        f"From the previous assessment ({previous.completed_at:%d %B %Y}): {text[part]}",
                        merged[part]]))
        voices = {m["person_id"]: m.get("voice") for m in previous.members or []}
        for member in members:
            if voices.get(member["person_id"]):
                member["voice"] = f"Previously: {voices[member['person_id']]}"
        if previous.summary:
            content["summary"] = "\n".join(filter(None, [
                f"Previous assessment summary: {previous.summary}", content["summary"]]))
    return content


def _previous_assessment(case: Case) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).join(Case, Case.id == Assessment.case_id)
        .where(Case.family_id == case.family_id, Case.id != case.id, Assessment.status == AssessmentStatus.COMPLETE)
        .order_by(Assessment.completed_at.desc()).limit(1))


def save_draft(actor, case_id: str, raw: dict) -> Assessment:
    """Create or update the draft. The first save starts the assessment (allocated -> assessing)."""
    case, _ = load_case(actor, case_id, "casework.record", "assessment", lock=True)
    data = load(AssessmentSchema, raw)
    assessment = _assessment(case.id)
    if assessment is not None and assessment.status == AssessmentStatus.COMPLETE:
        raise Conflict("This assessment is complete and locked: add a dated addendum instead.")
    known = {m.person_id: m for m in _family_members(case)}
    unknown = [i for i, m in enumerate(data.get("members") or []) if m["person_id"] not in known]
    if unknown:
        raise ServiceValidationError("Some people are not members of this family.", {
            f"members.{i}.person_id": ["Not a member of this family"] for i in unknown})
    if assessment is None:
        if case.stage == flow.Stage.ALLOCATED:
            flow.transition(db.session, case, "start_assessment", actor, reason="Assessment started")
        elif case.stage != flow.Stage.ASSESSING:
            raise Conflict("An assessment can be started once the case is allocated to a keyworker.")
        start = prefill(case)
        assessment = Assessment(case_id=case.id, started_by_id=actor.id, updated_by_id=actor.id,
                                due_on=case.assessment_due_on or deadlines.assessment_due_on(utcnow()),
                                members=start["members"], domains=start["domains"],
                                confirmed_problems=start["confirmed_problems"], baseline={})
        db.session.add(assessment)
    elif data.get("version") is not None and data["version"] != assessment.version:
        raise StaleVersion("Someone else saved this assessment since you opened it. "
                           "Reload to see their changes, then make yours again.")
    with db.session.no_autoflush:  # one INSERT or UPDATE per save: one version per save
        _apply(case, assessment, data)
    assessment.updated_at, assessment.updated_by_id = utcnow(), actor.id
    _flush()
    audit.record(actor, "assessment.save", "assessment", assessment.id, family_id=case.family_id,
                 categories=CATEGORIES, purpose="whole-family assessment")
    return assessment


def _flush() -> None:
    # A failed flush has already undone the caller's savepoint (or left its transaction for the
    # entry point to roll back): say why in words.
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleVersion("Someone else saved this at the same moment. Reload and try again.") from None


def _apply(case: Case, assessment: Assessment, data: dict) -> None:
    if data.get("members") is not None:
        known = {m.person_id: m for m in _family_members(case)}
        current = {m["person_id"]: m for m in assessment.members or []}
        given = {m["person_id"]: m for m in data["members"]}
        members = []
        for person_id, membership in known.items():  # every family member is in the assessment
            entry = {**current.get(person_id, {}), **_member_facts(membership)}
            if person_id in given:
                entry["worked_with"] = given[person_id]["worked_with"]
                entry["voice"] = (given[person_id].get("voice") or "").strip()
            entry.setdefault("worked_with", True)
            entry.setdefault("voice", "")
            members.append(entry)
        assessment.members = members
    if data.get("domains") is not None:
        assessment.domains = {**(assessment.domains or {}), **{
            code: {"strengths": (v.get("strengths") or "").strip(), "needs": (v.get("needs") or "").strip()}
            for code, v in data["domains"].items()}}
    for name in ("family_views", "summary"):
        if data.get(name) is not None:
            setattr(assessment, name, data[name].strip())
    if data.get("confirmed_problems") is not None:
        assessment.confirmed_problems = list(dict.fromkeys(data["confirmed_problems"]))
    if data.get("baseline") is not None:
        assessment.baseline = {**(assessment.baseline or {}), **data["baseline"]}


def completeness_problems(assessment: Assessment) -> dict[str, list[str]]:
    """What is missing before the assessment can be completed, keyed by form field."""
    problems: dict[str, list[str]] = {}
    if not assessment.members:
        problems["members"] = ["Add the family's members"]
    for i, member in enumerate(assessment.members or []):
        if member.get("relationship") == "child" and not (member.get("voice") or "").strip():
            problems[f"members.{i}.voice"] = [
                f"Record {member['name']}'s own words or, for a young child, what you saw of their day"]
    if not (assessment.family_views or "").strip():
        problems["family_views"] = ["Record the family's own view of what is happening and what they want"]
    if not assessment.confirmed_problems:
        problems["confirmed_problems"] = ["Confirm at least one headline problem"]
    for code in assessment.confirmed_problems or []:
        if code not in (assessment.baseline or {}):
            problems[f"baseline.{code}"] = [f"Give a baseline score for {DOMAINS[code].lower()}"]
    return problems


def complete(actor, case_id: str) -> Assessment:
    """Check the saved assessment is whole, and lock it. (The pages and the API save what was
    sent with the request first, as a draft that stands even if completing is refused.)"""
    case, _ = load_case(actor, case_id, "casework.record", "assessment", lock=True)
    assessment = _assessment(case.id)
    if assessment is None:
        raise Conflict("Start the assessment before completing it.")
    if assessment.status == AssessmentStatus.COMPLETE:
        raise Conflict("This assessment is already complete.")
    missing = completeness_problems(assessment)
    if missing:
        raise ServiceValidationError("The assessment is not finished yet.", missing)
    flow.transition(db.session, case, "complete_assessment", actor, reason="Assessment completed")
    assessment.status, assessment.completed_at, assessment.completed_by_id = AssessmentStatus.COMPLETE, utcnow(), actor.id
    case.assessment_due_on = None  # done: it no longer shows as due
    _flush()
    audit.record(actor, "assessment.complete", "assessment", assessment.id, family_id=case.family_id,
                 categories=CATEGORIES, purpose="whole-family assessment")
    return assessment


def add_addendum(actor, case_id: str, raw: dict) -> AssessmentAddendum:
    case, _ = load_case(actor, case_id, "casework.record", "assessment addendum", lock=True)
    data = load(AddendumSchema, raw)
    assessment = _assessment(case.id)
    if assessment is None or assessment.status != AssessmentStatus.COMPLETE:
        raise Conflict("Addenda are for completed assessments: edit the draft instead.")
    addendum = AssessmentAddendum(assessment_id=assessment.id, author_id=actor.id, text=data["text"].strip())
    db.session.add(addendum)
    db.session.flush()
    audit.record(actor, "assessment.addendum", "assessment", assessment.id, family_id=case.family_id,
                 categories=["case_notes"], purpose="whole-family assessment")
    return addendum
