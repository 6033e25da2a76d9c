"""The case chronology: requests, decisions, contacts, reviews, notifications and stage changes
merged in date order, as a social worker or a new keyworker would read the case.

A fixed number of queries (one per source, plus one for names) whatever the case's length.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import inspect, null, select

from caseflow.core import stages as flow, timescales
from caseflow.auth.models import User
from caseflow.cases import amendments
from caseflow.cases.models import Case, CaseTransition
from caseflow.core.access import Decision, can, shows_move
from caseflow.core.extensions import db
from caseflow.frontdoor.models import RequestForHelp
from caseflow.notify.models import Notification
from caseflow.panels.models import PanelItem
from caseflow.cases.services import load_case
from caseflow.plans.models import Assessment, AssessmentAddendum, Contact, ContactPractitioner, EngagementExtension, Review
from caseflow.plans.vocab import CONTACT_TYPES, REVIEW_DECISIONS
from caseflow.socialcare.models import StepUp
from caseflow.socialcare.vocab import STEP_UP_RESPONSES
from caseflow.triage.models import TriageDecision
from caseflow.panels.models import PanelOutcome
from caseflow.triage.models import TriageOutcome

PANEL_DECISIONS = {PanelOutcome.ALLOCATE: "allocated a keyworker", PanelOutcome.SIGNPOST: "signposted the family",
                   PanelOutcome.STEP_UP: "stepped the case up", PanelOutcome.DEFER: "deferred the case to the next panel"}


@dataclass
class Entry:
    day: date                  # the day it happened (London)
    at: datetime | None        # the moment, when it has one (contacts and reviews have a date only)
    kind: str                  # request, triage, panel, transition, contact, review, ...
    title: str
    detail: str | None = None
    by_id: str | None = None
    by: str | None = None

    @property
    def sort_key(self):
        return (self.day, self.at or datetime.min.replace(tzinfo=timescales.LONDON))


NOT_READ = object()  # the caller has not read the case's assessment (None: it has none)


def _newest(query, newest: int | None, *order):
    """The whole source, or its `newest` rows (newest first; the caller sorts the merge)."""
    return query if newest is None else query.order_by(*(column.desc() for column in order)).limit(newest)


def _stamp(moment: datetime) -> tuple[date, datetime]:
    local = timescales.to_london(moment)
    return local.date(), local


def chronology(actor, case_id: str, action: str = "casework.view", *, opened: tuple[Case, Decision] | None = None,
               assessment: Assessment | None | object = NOT_READ) -> tuple[Case, list[Entry]]:
    """The whole timeline (the chronology page, the handover pack, the API)."""
    case, entries = _timeline(actor, case_id, action, opened, assessment, newest=None)
    return case, entries


def recent(actor, case_id: str, newest: int, action: str = "case.view", *,
           opened: tuple[Case, Decision] | None = None,
           assessment: Assessment | None | object = NOT_READ,
           extensions: list | object = NOT_READ) -> tuple[list[Entry], bool]:
    """The newest entries of the timeline, oldest first, and whether there are older ones: the
    case page, which a case years long would otherwise fill with every visit and notification.
    The sources that grow with the case's length (contacts, reviews, addenda, notifications) are
    read newest first, `newest` + 1 rows each, so the page reads the same whatever the length."""
    _, entries = _timeline(actor, case_id, action, opened, assessment, newest=newest + 1, extensions=extensions)
    return entries[-newest:], len(entries) > newest


def _timeline(actor, case_id, action, opened, assessment, newest: int | None,
              extensions: list | object = NOT_READ) -> tuple[Case, list[Entry]]:
    """The merged timeline. The case page asks with "case.view": a partner then sees what
    happened and when, with the detail withheld by category (and saying so). Each entry follows
    the rule for its own data: moves into or out of social care, and decisions to step up, are
    social care data; triage and panel reasons are referral data and the front door's working
    (never a partner's); notifications to other people
    and the keyworker's notes are case notes.

    A page that has already opened the case (the policy asked, the read audited) passes it as
    `opened`, and the case's assessment and engagement extensions if it read them, so the case
    is not read and audited twice."""
    case, decision = opened if opened is not None else load_case(actor, case_id, action, "case chronology")
    notes_ok = "case_notes" in decision.categories
    referral_ok = "referral" in decision.categories
    social_care_ok = "social_care" in decision.categories
    # Triage's and the panel's reasons are the front door's working (triage.view): partners
    # hear the outcome, not the working, even when a grant gives them the referral category.
    reasons_ok = referral_ok and bool(can(actor, "triage.view", case))
    entries: list[Entry] = []

    def add(moment: datetime, kind: str, title: str, detail=None, by_id=None):
        day, at = _stamp(moment)
        entries.append(Entry(day, at, kind, title, detail, by_id))

    per_person = decision.people is not None  # a partner: each item on its own grant
    for r in db.session.scalars(select(RequestForHelp).where(RequestForHelp.case_id == case.id)):
        shows_details = "referral" in decision.categories and (
            not per_person or "referral" in can(actor, "request.view", r).categories)
        add(r.received_at, "request", f"Request for help {r.reference} from {r.referrer_organisation or r.referrer_name}",
            r.details if shows_details else None, r.submitted_by_id)
    for t in db.session.scalars(select(TriageDecision).where(TriageDecision.case_id == case.id)):
        if t.decision != TriageOutcome.STEP_UP or social_care_ok:
            add(t.decided_at, "triage", f"Triage: level {t.level_of_need}, {t.rag} risk",
                t.rationale if reasons_ok else None, t.decided_by_id)
    for p in db.session.scalars(select(PanelItem).where(PanelItem.case_id == case.id)):
        if p.decision != PanelOutcome.STEP_UP or social_care_ok:
            add(p.decided_at, "panel", f"Panel {PANEL_DECISIONS.get(p.decision, p.decision)}",
                p.rationale if reasons_ok else None, p.decided_by_id)
    # The case page opens the case with its transitions (load_case(history=True)): use those.
    transitions = (case.transitions if "transitions" not in inspect(case).unloaded
                   else db.session.scalars(select(CaseTransition).where(CaseTransition.case_id == case.id)))
    for t in transitions:
        if shows_move(decision, t.from_stage, t.to_stage):
            add(t.at, "transition", f"Stage: {flow.STAGE_LABELS[flow.Stage(t.to_stage)]}",
                t.reason if notes_ok else None, t.actor_id)  # why it moved is the case's working
    if social_care_ok:
        for s in db.session.scalars(select(StepUp).where(StepUp.case_id == case.id, StepUp.response.is_not(None))):
            add(s.responded_at, "step_up_response", f"Social care's response: {STEP_UP_RESPONSES[s.response]}",
                s.response_note, s.responded_by_id)
    for a in amendments.for_case(case.id):
        if social_care_ok or not amendments.involves_step_up(a):
            title, detail = amendments.summary(a, STEP_UP_RESPONSES)
            # An amended decision's reasons are the working of whoever made it: the front door's
            # (triage, panel) or social care's (its response to a step-up).
            shows = social_care_ok if amendments.involves_step_up(a) else reasons_ok
            add(a.amended_at, "amendment", title, detail if shows else None, a.amended_by_id)
    if assessment is NOT_READ:
        assessment = db.session.scalar(select(Assessment).where(Assessment.case_id == case.id))
    if assessment is not None:
        for a in db.session.scalars(_newest(select(AssessmentAddendum).where(AssessmentAddendum.assessment_id == assessment.id),
                                            newest, AssessmentAddendum.written_at)):
            add(a.written_at, "addendum", "Addendum to the assessment", a.text if notes_ok else None, a.author_id)
    # Joint visits: who went with the recorder, one query whether the case has no contacts or many.
    went: dict[str, list[str]] = {}
    for contact_id, user_id in db.session.execute(
            select(ContactPractitioner.contact_id, ContactPractitioner.user_id)
            .join(Contact, Contact.id == ContactPractitioner.contact_id).where(Contact.case_id == case.id)):
        went.setdefault(contact_id, []).append(user_id)
    joint: dict[int, list[str]] = {}  # entry -> the practitioners who went with the recorder
    # The sources that grow with the case are read as rows of the columns shown, not as objects:
    # a page shows forty of each, and objects would decrypt what it never shows (a contact's next
    # steps, a notification's body) and what this reader may not see (notes without case notes).
    notes = (lambda column: column) if notes_ok else (lambda column: null().label(column.key))
    for c in db.session.execute(_newest(
            select(Contact.id, Contact.occurred_on, Contact.recorded_at, Contact.contact_type,
                   notes(Contact.notes), Contact.recorded_by_id).where(Contact.case_id == case.id),
            newest, Contact.occurred_on, Contact.recorded_at)):
        entries.append(Entry(c.occurred_on, timescales.to_london(c.recorded_at), "contact",
                             CONTACT_TYPES.get(c.contact_type, c.contact_type), c.notes, c.recorded_by_id))
        if c.id in went:
            joint[id(entries[-1])] = went[c.id]
    for r in db.session.execute(_newest(
            select(Review.held_on, Review.recorded_at, Review.decision, notes(Review.notes), Review.recorded_by_id)
            .where(Review.case_id == case.id), newest, Review.held_on, Review.recorded_at)):
        entries.append(Entry(r.held_on, timescales.to_london(r.recorded_at), "review",
                             f"TAF review: {REVIEW_DECISIONS[r.decision].split(':')[0].lower()}",
                             r.notes, r.recorded_by_id))
    if extensions is NOT_READ:
        extensions = db.session.scalars(select(EngagementExtension).where(EngagementExtension.case_id == case.id))
    for e in extensions:
        add(e.granted_at, "engagement", f"Engagement period extended to {timescales.format_uk_date(e.until)}",
            e.reason if notes_ok else None, e.granted_by_id)
    if notes_ok:  # what others were told is theirs, and may say more than this reader may see
        for n in db.session.execute(_newest(
                select(Notification.created_at, Notification.title, Notification.recipient_id)
                .where(Notification.case_id == case.id), newest, Notification.created_at)):
            # A notification's title can name a child (a school's Operation Encompass notice):
            # partners see that one was sent, not what it said.
            add(n.created_at, "notification", "Notification" if per_person else f"Notification: {n.title}", None,
                n.recipient_id)
    names = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({e.by_id for e in entries if e.by_id} | {u for ids in joint.values() for u in ids}))).all())
    for e in entries:
        e.by = names.get(e.by_id)
        if id(e) in joint:
            e.title = f"{e.title} (joint visit with {', '.join(names.get(u, 'a former user') for u in joint[id(e)])})"
        if e.kind == "notification":
            e.title, e.by = f"{e.title} (to {e.by or 'a former user'})", None
    entries.sort(key=lambda e: e.sort_key)
    return case, entries
