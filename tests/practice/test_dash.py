"""The DASH risk checklist (issue 20, point 5): completed with an adult victim on a case, 27
questions; 14 or more "yes", professional judgement or escalation prompts a MARAC referral.
Answers are encrypted and audited, and seen only by the people doing the casework."""
from __future__ import annotations

import re

from sqlalchemy import select, text

from caseflow.core.audit import AuditEvent
from caseflow.core.extensions import db
from caseflow.practice.vocab import DASH_CODES
from tests.conftest import csrf_token, sign_in
from tests.notify.helpers import open_family
from caseflow.core.timescales import today_london



def _form(token, victim_id, yes=14, **extra) -> dict:
    answers = {f"answers-{code}": ("yes" if i < yes else "no") for i, code in enumerate(DASH_CODES)}
    return {"csrf_token": token, "victim_id": victim_id, "completed_on-day": str(today_london().day),
            "completed_on-month": str(today_london().month), "completed_on-year": str(today_london().year),
            "escalation": "no", "professional_judgement": "no", **answers, **extra}


def _adult(page: str) -> str:
    return re.search(r'<option value="([0-9a-f]{32})"[^>]*>Sharon Walsh', page).group(1)


def test_a_checklist_at_the_threshold_prompts_a_marac_referral(api, factory, app, client):
    w = open_family(api, factory)  # Sharon Walsh and her daughter Leah
    p, case_id = w.p, w.case_id
    sign_in(client, p["sam"])
    new = f"/cases/{case_id}/dash/new"
    token = csrf_token(client, new)
    sharon = _adult(client.get(new).get_data(as_text=True))

    incomplete = client.post(new, data={k: v for k, v in _form(token, sharon).items() if k != "answers-weapons"})
    assert incomplete.status_code == 400 and 'href="#answers-weapons"' in incomplete.get_data(as_text=True)
    no_reason = client.post(new, data=_form(token, sharon, yes=3, professional_judgement="yes"))
    assert no_reason.status_code == 400 and "Say why your professional judgement" in no_reason.get_data(as_text=True)
    child = client.post(new, data=_form(token, "0" * 32))
    assert child.status_code == 400 and "Choose an adult in this family" in child.get_data(as_text=True)

    saved = client.post(new, data=_form(token, sharon, **{"notes-injury": "Bruising to her arm."}), follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and 'data-testid="marac-prompt"' in page
    assert "Visible high risk: 14 questions answered yes" in page and "Bruising to her arm." in page

    checklist_id = re.search(r"/dash/([0-9a-f]{32})/marac", page).group(1)
    referred = client.post(f"/cases/{case_id}/dash/{checklist_id}/marac", data={
        "csrf_token": token, "referred_on-day": str(today_london().day), "referred_on-month": str(today_london().month),
        "referred_on-year": str(today_london().year)}, follow_redirects=True)
    assert 'data-testid="marac-referred"' in referred.get_data(as_text=True)

    below = client.post(new, data=_form(token, sharon, yes=13), follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="marac-not-met"' in below
    escalated = client.post(new, data=_form(token, sharon, yes=2, escalation="yes"), follow_redirects=True)
    assert "Potential escalation" in escalated.get_data(as_text=True)

    with app.app_context():  # encrypted at rest, and every read and write on the family's access log
        stored = db.session.execute(text("SELECT answers, notes FROM dash_checklists")).all()
        assert stored and all("injury" not in (a or "") and "Bruising" not in (n or "") for a, n in stored)
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.family_id.is_not(None))))
        assert {"risk.dash.record", "risk.dash.view", "risk.marac_referral"} <= actions


def test_only_the_people_doing_the_casework_see_a_checklist(api, factory, client):
    w = open_family(api, factory)
    p, case_id = w.p, w.case_id
    for outsider in ("aaron", "senco", "referrer"):
        client.get("/sign-out")
        sign_in(client, p[outsider])
        assert client.get(f"/cases/{case_id}/dash").status_code == 403, outsider
    client.get("/sign-out")
    sign_in(client, p["manager"])
    assert client.get(f"/cases/{case_id}/dash").status_code == 200
