"""The Action & Impact panel (seed 001): a monthly multi-agency meeting for cases that are stuck.

"Should the intervention stall, ... multi-agency panels can help get things moving." A keyworker
or manager nominates an open case to the next Action and Impact panel, saying what is stuck and
what partners are asked to do. At the meeting the chair records who came (the panel's
attendance), what was discussed, and the actions agreed, each with an owner (a person, a partner
organisation or both) and a due date. Every agreed action is also an action in the family plan,
so the keyworker and the Team Around the Family work to one plan. The next meeting follows up
every action still open, until it is done or dropped; the plan's action follows.

Reading: the panel's staff read every nomination; a partner sitting on the panel reads one only
where the family's consent or a lawful basis covers its organisation (the same rule that lets it
contribute), and otherwise sees the family's name and reference (panel.view).

Services flush; the entry point commits."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from caseflow.auth.models import Organisation, User
from caseflow.cases.models import Case
from caseflow.cases.services import load_case
from caseflow.core import audit, timescales
from caseflow.core.access import Decision, require, visible_families
from caseflow.core.database import utcnow
from caseflow.core.errors import Conflict, NotFound, ServiceValidationError, load
from caseflow.core.extensions import db
from caseflow.core.roles import Role
from caseflow.families.models import Family
from caseflow.notify.services import notify
from caseflow.notify.vocab import NotificationType
from caseflow.panels.models import (NominationStatus, Panel, PanelAction, PanelActionStatus, PanelKind,
                                    PanelNomination)
from caseflow.panels.schemas import DiscussionSchema, FollowUpSchema, NominationSchema, PanelActionSchema
from caseflow.plans.common import must_be_open
from caseflow.plans.models import Plan, PlanAction
from caseflow.plans.vocab import ActionStatus

# Where a followed-up panel action leaves the same action in the family plan.
PLAN_STATUS = {PanelActionStatus.OPEN: ActionStatus.IN_PROGRESS, PanelActionStatus.DONE: ActionStatus.DONE,
               PanelActionStatus.DROPPED: ActionStatus.CANCELLED}
STATUS_LABELS = {PanelActionStatus.OPEN: "Still open", PanelActionStatus.DONE: "Done",
                 PanelActionStatus.DROPPED: "Dropped"}


def upcoming_panels(case: Case | None = None) -> list[Panel]:
    """Action and Impact meetings from today on, the soonest first (a nomination goes to one)."""
    return list(db.session.scalars(select(Panel).where(
        Panel.kind == PanelKind.ESCALATION, Panel.meets_on >= timescales.today_london())
        .order_by(Panel.meets_on, Panel.name).limit(12)))


def nomination_form(actor, case_id: str) -> tuple[Case, list[Panel]]:
    """What the nomination page needs, asked of the policy first."""
    case, _ = load_case(actor, case_id, "escalation.nominate", "Action and Impact nomination")
    return case, upcoming_panels(case)


def nominate(actor, case_id: str, raw: dict) -> PanelNomination:
    case, _ = load_case(actor, case_id, "escalation.nominate", "Action and Impact nomination", lock=True)
    must_be_open(case, "bring it to Action and Impact")
    data = load(NominationSchema, raw)
    panel = db.session.get(Panel, data["panel_id"])
    if panel is None or panel.kind != PanelKind.ESCALATION:
        raise ServiceValidationError("Unknown panel.", {
            "panel_id": ["Choose an Action and Impact panel from the list"]})
    if panel.meets_on < timescales.today_london():
        raise ServiceValidationError("That panel has met.", {"panel_id": ["Choose a panel that has not met yet"]})
    nomination = PanelNomination(panel_id=panel.id, case_id=case.id, stuck=data["stuck"].strip(),
                                 ask=data["ask"].strip(), nominated_by_id=actor.id)
    db.session.add(nomination)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("This case is already on that panel's agenda.") from None
    audit.record(actor, "escalation.nominate", "case", case.id, family_id=case.family_id,
                 purpose="Action and Impact nomination")
    if panel.chair_id and panel.chair_id != actor.id:
        notify(panel.chair_id, NotificationType.PLAN, f"escalation-nominated:{nomination.id}",
               "A case for Action and Impact",
               f"Case {case.reference} has been brought to {panel.name} on "
               f"{timescales.format_uk_date(panel.meets_on)}.",
               case_id=case.id, family_id=case.family_id)
    return nomination


@dataclass
class EscalationItem:
    nomination: PanelNomination
    case: Case
    family: Family
    readable: bool                       # may this reader see what is stuck, the ask and the actions?
    actions: list[PanelAction] = field(default_factory=list)


@dataclass
class EscalationAgenda:
    panel: Panel
    items: list[EscalationItem]
    follow_ups: list[tuple[PanelAction, Case, Family, bool]]   # earlier meetings' actions (readable?)
    decision: Decision


def agenda(actor, panel: Panel, decision: Decision) -> EscalationAgenda:
    """The nominations to this meeting, and every action earlier meetings (of the same locality)
    agreed that is still open or that this meeting followed up. A fixed number of queries."""
    rows = db.session.execute(
        select(PanelNomination, Case, Family).join(Case, Case.id == PanelNomination.case_id)
        .join(Family, Family.id == Case.family_id).where(PanelNomination.panel_id == panel.id)
        .order_by(PanelNomination.nominated_at, PanelNomination.id)
        .options(selectinload(PanelNomination.actions))).all()
    earlier = (select(Panel.id).where(Panel.kind == PanelKind.ESCALATION, Panel.meets_on < panel.meets_on,
                                      Panel.locality_id == panel.locality_id if panel.locality_id
                                      else Panel.locality_id.is_(None)))
    follow_rows = db.session.execute(
        select(PanelAction, Case, Family).join(Case, Case.id == PanelAction.case_id)
        .join(Family, Family.id == Case.family_id)
        .where(PanelAction.panel_id.in_(earlier),
               (PanelAction.status == PanelActionStatus.OPEN) | (PanelAction.followed_up_panel_id == panel.id))
        .order_by(PanelAction.due_on, PanelAction.id).limit(200)).all()
    family_ids = {f.id for _, _, f in rows} | {f.id for _, _, f in follow_rows}
    readable = _readable(actor, decision, family_ids)
    items = [EscalationItem(n, c, f, f.id in readable, list(n.actions)) for n, c, f in rows]
    follow_ups = [(a, c, f, f.id in readable) for a, c, f in follow_rows]
    audit.record_reads(actor, "panel.view", "panel", sorted(family_ids), object_id=panel.id,
                       categories=decision.categories, purpose="Action and Impact panel", basis=decision.basis)
    return EscalationAgenda(panel, items, follow_ups, decision)


def _readable(actor, decision: Decision, family_ids: set[str]) -> set[str]:
    """Families whose nomination and actions this reader may read: all for the panel's staff;
    for a partner, those whose consent or a lawful basis covers its organisation (one query)."""
    if "referral" in decision.categories:
        return set(family_ids)
    if actor.role in (Role.PANEL_MEMBER, Role.PARTNER, Role.PARTNER_SYSTEM):
        return visible_families(actor, family_ids)
    return set()


def _nomination(actor, nomination_id: str) -> tuple[PanelNomination, Case]:
    nomination = db.session.get(PanelNomination, nomination_id)
    if nomination is None:
        raise NotFound("No Action and Impact nomination with that id.")
    panel = db.session.get(Panel, nomination.panel_id)
    require(actor, "panel.manage", panel, object_type="case", object_id=nomination.case_id,
            family_id=nomination.case.family_id, purpose="Action and Impact panel")
    return nomination, nomination.case


def record_discussion(actor, nomination_id: str, raw: dict) -> PanelNomination:
    nomination, case = _nomination(actor, nomination_id)
    data = load(DiscussionSchema, raw)
    nomination.discussion, nomination.status = data["discussion"].strip(), NominationStatus.DISCUSSED
    nomination.discussed_at, nomination.discussed_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "escalation.discuss", "case", case.id, family_id=case.family_id,
                 purpose="Action and Impact panel")
    return nomination


def add_action(actor, nomination_id: str, raw: dict) -> PanelAction:
    """An action the panel agreed: kept with the nomination and added to the family plan (a
    draft plan is started if the keyworker has not written one yet)."""
    nomination, case = _nomination(actor, nomination_id)
    must_be_open(case, "add actions to its plan")
    data = load(PanelActionSchema, raw)
    owner = db.session.get(User, data["owner_user_id"]) if data.get("owner_user_id") else None
    organisation = (db.session.get(Organisation, data["owner_organisation_id"])
                    if data.get("owner_organisation_id") else None)
    if (data.get("owner_user_id") and owner is None) or (data.get("owner_organisation_id") and organisation is None):
        raise ServiceValidationError("Unknown owner.", {"owner_organisation_id": ["Choose the owner from the list"]})
    plan = db.session.scalar(select(Plan).where(Plan.case_id == case.id).options(selectinload(Plan.actions)))
    if plan is None:
        plan = Plan(case_id=case.id, updated_by_id=actor.id, outcomes=[], actions=[])
        db.session.add(plan)
    description = data["description"].strip()
    plan_action = PlanAction(position=len(plan.actions), description=description,
                             owner_user_id=owner.id if owner else None,
                             owner_organisation_id=organisation.id if organisation else None, due_date=data["due_on"])
    plan.actions.append(plan_action)
    plan.updated_at, plan.updated_by_id = utcnow(), actor.id  # anyone editing the plan must reload it
    db.session.flush()
    action = PanelAction(nomination_id=nomination.id, panel_id=nomination.panel_id, case_id=case.id,
                         description=description, owner_user_id=plan_action.owner_user_id,
                         owner_organisation_id=plan_action.owner_organisation_id, due_on=data["due_on"],
                         plan_action_id=plan_action.id, agreed_by_id=actor.id)
    db.session.add(action)
    db.session.flush()
    audit.record(actor, "escalation.action", "case", case.id, family_id=case.family_id,
                 purpose="Action and Impact panel")
    audit.record(actor, "plan.action_from_panel", "plan_action", plan_action.id, family_id=case.family_id,
                 categories=["plan"], purpose="Action and Impact panel")
    due = timescales.format_uk_date(action.due_on)
    for user_id in {owner.id if owner else None, case.keyworker_id} - {None, actor.id}:
        notify(user_id, NotificationType.PLAN, f"escalation-action:{action.id}:{user_id}",
               "An action from the Action and Impact panel",
               f"Case {case.reference}: the panel agreed an action due {due}. It is in the family plan.",
               case_id=case.id, family_id=case.family_id)
    return action


def follow_up(actor, action_id: str, raw: dict) -> PanelAction:
    """A later meeting hears how an earlier action went: done, still open (it comes back next
    time) or dropped. The same action in the family plan follows."""
    action = db.session.get(PanelAction, action_id)
    if action is None:
        raise NotFound("No Action and Impact action with that id.")
    case = db.session.get(Case, action.case_id)
    require(actor, "panel.manage", object_type="case", object_id=case.id, family_id=case.family_id,
            purpose="Action and Impact follow-up")
    data = load(FollowUpSchema, raw)
    panel = db.session.get(Panel, data["panel_id"])
    agreed_at = db.session.get(Panel, action.panel_id)
    if panel is None or panel.kind != PanelKind.ESCALATION or panel.meets_on <= agreed_at.meets_on:
        raise ServiceValidationError("Not a later meeting.", {"panel_id": [
            "Follow an action up at a later Action and Impact meeting"]})
    action.status, action.follow_up_note = data["status"], data["note"].strip()
    action.followed_up_at, action.followed_up_panel_id = utcnow(), panel.id
    plan_action = db.session.get(PlanAction, action.plan_action_id) if action.plan_action_id else None
    if plan_action is not None:
        plan_action.status = PLAN_STATUS[PanelActionStatus(action.status)]
        plan_action.progress_note, plan_action.progress_at = action.follow_up_note, action.followed_up_at
        plan_action.progress_by_id = actor.id
        plan_action.plan.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "escalation.follow_up", "case", case.id, family_id=case.family_id,
                 purpose="Action and Impact follow-up")
    return action



def panel_of_nomination(nomination_id: str) -> str | None:
    return db.session.scalar(select(PanelNomination.panel_id).where(PanelNomination.id == nomination_id))


def owner_choices(panel: Panel) -> tuple[list[Organisation], list[User]]:
    """Who can own an agreed action: any organisation, or a person in one sitting on the panel
    or in the council's early help service (a bounded list for the form)."""
    from caseflow.core.roles import OrgType

    orgs = list(db.session.scalars(select(Organisation).order_by(Organisation.name).limit(300)))
    member_orgs = [m.organisation_id for m in panel.members]
    early_help = select(Organisation.id).where(Organisation.type == OrgType.EARLY_HELP)
    people = list(db.session.scalars(select(User).where(
        User.active.is_(True), User.organisation_id.in_(member_orgs) | User.organisation_id.in_(early_help))
        .order_by(User.name).limit(300)))
    return orgs, people
