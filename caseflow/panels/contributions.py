"""Partners' contributions to a panel's agenda (seed 001: panel members "sharing information held
on their respective systems to create an accurate picture of the family").

Before the meeting, each organisation sitting on the panel adds a short note per family on the
agenda from its own records (a school's attendance, the police's call-outs, the health
visitor's last contact), on the contributions page or from its own system through the API. A
partner sees and writes about only the families whose consent or a lawful basis covers its
organisation (the policy's family scope, as SQL for the list and per family for each write), and
reads only its own organisation's notes; the panel's staff read every organisation's beside the
agenda. Notes are encrypted at rest and every read and write is audited against the family.

Services flush; the entry point commits."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from caseflow.cases.models import Case
from caseflow.core import audit, stages as flow, timescales
from caseflow.core.access import Decision, family_visibility_clause, require
from caseflow.core.database import utcnow
from caseflow.core.errors import Conflict, NotFound, load
from caseflow.core.extensions import db
from caseflow.families.models import Family
from caseflow.panels import localities
from caseflow.panels.models import Panel, PanelContribution, PanelItem, PanelKind, PanelNomination
from caseflow.panels.schemas import ContributionSchema


@dataclass
class ContributionRow:
    case: Case
    family: Family
    contributions: list[PanelContribution] = field(default_factory=list)


@dataclass
class ContributionPage:
    panel: Panel
    rows: list[ContributionRow]
    decision: Decision
    staff: bool                # reads every organisation's notes (else only the reader's own)
    page: int
    per_page: int
    has_next: bool


def _panel(panel_id: str) -> Panel:
    panel = db.session.get(Panel, panel_id)
    if panel is None:
        raise NotFound("No panel with that id.")
    return panel


def on_agenda(panel: Panel):
    """SQL over Case: the families this meeting discusses (Action and Impact: its nominations;
    an allocation panel: the cases waiting for panel in its locality, and those it has decided)."""
    if panel.kind == PanelKind.ESCALATION:
        return Case.id.in_(select(PanelNomination.case_id).where(PanelNomination.panel_id == panel.id))
    waiting = Case.stage.in_([flow.Stage.AWAITING_PANEL, flow.Stage.STEPPED_DOWN])
    if panel.locality_id:
        waiting = waiting & localities.case_in_locality(panel.locality_id)
    return waiting | Case.id.in_(select(PanelItem.case_id).where(PanelItem.panel_id == panel.id))


def page(actor, panel_id: str, page_number: int = 1, per_page: int = 25) -> ContributionPage:
    panel = _panel(panel_id)
    decision = require(actor, "panel.contributions", panel, object_type="panel", purpose="panel contributions")
    staff = "referral" in decision.categories
    query = (select(Case, Family).join(Family, Family.id == Case.family_id).where(on_agenda(panel))
             .order_by(Case.opened_at, Case.id).limit(per_page + 1).offset((page_number - 1) * per_page))
    if not staff:  # a partner: only families whose consent or a lawful basis covers its organisation
        query = query.where(family_visibility_clause(actor))
    found = db.session.execute(query).all()
    rows = [ContributionRow(c, f) for c, f in found[:per_page]]
    by_case = {r.case.id: r for r in rows}
    if by_case:
        notes = select(PanelContribution).where(PanelContribution.panel_id == panel.id,
                                                PanelContribution.case_id.in_(list(by_case)))
        if not staff:
            notes = notes.where(PanelContribution.organisation_id == actor.organisation_id)
        for note in db.session.scalars(notes.order_by(PanelContribution.updated_at)):
            by_case[note.case_id].contributions.append(note)
    audit.record_reads(actor, "panel.contributions", "panel", [r.family.id for r in rows], object_id=panel.id,
                       categories=decision.categories, purpose="panel contributions", basis=decision.basis)
    return ContributionPage(panel, rows, decision, staff, page_number, per_page, len(found) > per_page)


def contribute(actor, panel_id: str, case_id: str, raw: dict) -> PanelContribution:
    """Add or replace the actor's organisation's note about one family on the agenda."""
    panel = _panel(panel_id)
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("No case with that id.")
    decision = require(actor, "panel.contribute", (panel, case), object_type="case", object_id=case.id,
                       family_id=case.family_id, purpose="panel contribution")
    data = load(ContributionSchema, raw)
    if not db.session.scalar(select(Case.id).where(Case.id == case.id, on_agenda(panel))):
        raise Conflict("This family is not on this panel's agenda.")
    if panel.meets_on < timescales.today_london():
        raise Conflict("This panel has met: contributions are added before the meeting.")
    note = db.session.scalar(select(PanelContribution).where(
        PanelContribution.panel_id == panel.id, PanelContribution.case_id == case.id,
        PanelContribution.organisation_id == actor.organisation_id))
    if note is None:
        note = PanelContribution(panel_id=panel.id, case_id=case.id, family_id=case.family_id,
                                 organisation_id=actor.organisation_id, author_id=actor.id, body="")
        db.session.add(note)
    note.body, note.author_id, note.updated_at = data["body"].strip(), actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "panel.contribute", "case", case.id, family_id=case.family_id,
                 categories=decision.categories, purpose="panel contribution", basis=decision.basis)
    return note


def for_agenda(panel: Panel, case_ids, decision: Decision) -> dict[str, list[PanelContribution]]:
    """Every organisation's notes beside the agenda, for the panel's staff (the agenda's own read
    is audited by its caller); nothing for anyone else."""
    notes: dict[str, list[PanelContribution]] = {}
    case_ids = [c for c in case_ids if c]
    if "referral" not in decision.categories or not case_ids:
        return notes
    for note in db.session.scalars(select(PanelContribution).where(
            PanelContribution.panel_id == panel.id, PanelContribution.case_id.in_(case_ids))
            .order_by(PanelContribution.updated_at)):
        notes.setdefault(note.case_id, []).append(note)
    return notes
