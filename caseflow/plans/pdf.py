"""The family plan as a plain-English document for the family (and the TAF), cut to what the
reader may see: a TAF partner gets the plan; the assessment's scores stay with the service."""
from __future__ import annotations

from sqlalchemy import select

from caseflow.core import timescales
from caseflow.auth.models import Organisation, User
from caseflow.core.extensions import db
from caseflow.core.pdf import Document
from caseflow.plans.vocab import ACTION_STATUSES, DOMAINS, PlanStatus


def _owners(plan) -> dict[str, str]:
    users = {a.owner_user_id for a in plan.actions if a.owner_user_id}
    orgs = {a.owner_organisation_id for a in plan.actions if a.owner_organisation_id}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(users))).all()) if users else {}
    names.update(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(orgs))).all()
                 if orgs else {})
    return names


def family_plan_pdf(case, plan, decision) -> bytes:
    family = case.family
    doc = Document(f"Family plan: {family.display_name}")
    doc.heading(f"Our family plan: {family.display_name}", 18)
    keyworker = db.session.get(User, case.keyworker_id) if case.keyworker_id else None
    if keyworker:
        doc.para(f"Your keyworker is {keyworker.name}.")
    if plan is None or "plan" not in decision.categories:
        doc.para("There is no plan to show yet.")
        return doc.finish()
    state = (f"Agreed with the family on {timescales.format_uk_date(plan.agreed_at)}." if plan.status == PlanStatus.AGREED
             else "This is a draft: we will go through it with you before it is agreed.")
    doc.para(state)
    if case.review_due_on:
        doc.para(f"We will meet as a team to see how things are going by {timescales.format_uk_date(case.review_due_on)}.")
    doc.para("OFFICIAL-SENSITIVE. Please keep this document somewhere safe.", 10)
    doc.gap(4)
    owners = _owners(plan)
    for number, outcome in enumerate(plan.outcomes, start=1):
        doc.heading(f"{number}. {DOMAINS.get(outcome.headline_problem, outcome.headline_problem)}", 14)
        doc.para("What we want to change:", bold=True)
        doc.para(outcome.description)
        doc.para("How we will know it has worked:", bold=True)
        doc.para(outcome.measure)
        doc.para(f"By: {timescales.format_uk_date(outcome.target_date)}")
        steps = [a for a in plan.actions if a.outcome_id == outcome.id]
        if steps:
            doc.para("Who will do what:", bold=True)
            for action in steps:
                who = owners.get(action.owner_user_id) or owners.get(action.owner_organisation_id) or "Not yet decided"
                doc.para(f"- {who}: {action.description}. By {timescales.format_uk_date(action.due_date)} "
                         f"({ACTION_STATUSES[action.status].lower()}).")
        doc.gap(3)
    loose = [a for a in plan.actions if a.outcome_id is None]
    if loose:
        doc.heading("Other things we agreed", 14)
        for action in loose:
            who = owners.get(action.owner_user_id) or owners.get(action.owner_organisation_id) or "Not yet decided"
            doc.para(f"- {who}: {action.description}, by {timescales.format_uk_date(action.due_date)}.")
    return doc.finish()
