"""No page or API read sends more SQL statements because there is more data (DESIGN.md §6:
"a bounded number of queries whatever the data size"; issue 16).

The authorisation matrix's world (one family through every stage, a signed-in session and a
token for every subject) is grown twice through the real services (SMALLER, then LARGER units):
requests waiting at the front door, cases awaiting the panel, cases allocated to the world's
keyworker, visits recorded on the world's case, notifications and deliveries, partner events
the front door must check, and the audit rows all those reads write. Every GET route of the
app (walked from its URL map, like tests/test_query_plans.py) and the searches and filters
people use are requested at both sizes by someone allowed to see them: each must send the
same number of statements. An N+1 (a query per row shown) shows as a difference.
"""
from __future__ import annotations

from caseflow.core.extensions import db
from tests.conftest import count_queries
from tests.consent.test_route_matrix import _path, world  # noqa: F401  (the world fixture)
from tests.test_query_plans import NOT_2XX, every_read
from tests.triage.helpers import TRIAGE_TO_PANEL, new_case
from caseflow.core.timescales import today_london



# Units of growth (each: two families, a visit, a notification and delivery, a partner event).
# Small enough to run on a busy 2-core machine; an N+1 shows as a difference at any two sizes.
SMALLER, LARGER = 5, 12

# Searches and filters whose results grow with the world: every new child is a Leah.
LIST_READS = [
    ("team_manager", "/families?q=Leah"), ("team_manager", "/api/v1/families?q=Leah"),
    ("team_manager", "/families?q=02/06/2011"), ("team_manager", "/api/v1/families?q=2011-06-02&per_page=100"),
    ("front_door", "/front-door?sort=urgency"), ("front_door", "/api/v1/requests?per_page=200"),
    ("front_door", "/api/v1/requests?status=needs_review"),
    ("team_manager", "/unallocated?stage=awaiting_panel"), ("team_manager", "/api/v1/cases/unallocated?per_page=200"),
    ("keyworker", "/caseload"), ("keyworker", "/api/v1/inbox?per_page=200"),
    ("team_manager", "/api/v1/families/{family_id}/access-log?per_page=200"),
    ("keyworker", "/api/v1/cases/{case_id}/contacts?per_page=200"),
    ("admin", "/admin/deliveries?status=pending"), ("admin", "/api/v1/deliveries?per_page=200"),
    ("team_manager", "/api/v1/caseloads/{keyworker_id}?per_page=200"),
    ("team_manager", "/api/v1/people/{person_id}/compare?other_id={person_id}"),
    ("team_manager", "/api/v1/families/{family_id}/compare?other_id={family_id}"),
    ("team_manager", "/api/v1/families/{family_id}/household?as_of=2026-01-01"),
    ("keyworker", "/overdue"), ("team_manager", "/api/v1/cases/overdue?per_page=200"),
    ("consented_school", "/api/v1/panels/{escalation_panel_id}/contributions?per_page=100"),
    ("consented_school", "/panels/{escalation_panel_id}/contributions"),
    ("front_door", "/api/v1/identification/families?per_page=200"), ("front_door", "/identification"),
    ("analyst", "/api/v1/identification/runs?per_page=200"),
    ("keyworker", "/my-visits"), ("front_door", "/advice-line"), ("admin", "/admin/directory"),
    ("keyworker", "/api/v1/directory?per_page=200"),
]

# Surnames the matcher tells apart (its phonetic keys differ), so each request is a new family.
SURNAMES = [
    "Abbott", "Bellamy", "Carver", "Dunmore", "Eastwood", "Fairley", "Gatsby", "Holloway", "Ingram", "Jessop",
    "Kendrick", "Lockhart", "Montague", "Nightingale", "Oakley", "Pemberton", "Quigley", "Radcliffe", "Sherwood",
    "Thornbury", "Underhill", "Villiers", "Whitlock", "Yardley", "Zeller", "Ashworth", "Blackwood", "Cheshire",
    "Drummond", "Ellesmere", "Fitzroy", "Greaves", "Hargreaves", "Ironside", "Jarvis", "Kipling", "Lindqvist",
    "Marchetti", "Norbury", "Osgood", "Prendergast", "Quennell", "Rutherford", "Stanhope", "Tremaine", "Upshaw",
    "Vandermeer", "Wetherby", "Yelland", "Zabrowski", "Armitage", "Brocklehurst", "Cavendish", "Delacroix",
    "Etherington", "Fotheringham", "Gallagher", "Hetherington", "Illingworth", "Jefferson", "Kowalczyk",
    "Llewellyn", "Mulholland", "Nakamura", "Okonkwo", "Pilkington", "Quartermaine", "Rosenthal", "Szymanski",
    "Tattersall", "Umbridge", "Valentine", "Winterbottom", "Xiong", "Youngblood", "Zimmermann", "Arkwright",
    "Bartholomew", "Castellano", "Dimitriou", "Eriksson", "Featherstone", "Giordano", "Hathaway", "Ivanova",
    "Jankowski", "Kavanagh", "Lombardi", "Macintosh", "Nordstrom", "Oyelaran", "Petrakis", "Rasmussen",
    "Sorensen", "Tolliver", "Uchenna", "Vasquez", "Wolstenholme", "Yamamoto", "Zubrowski", "Aldridge",
    "Birtwistle", "Cholmondeley", "Dewhurst", "Entwistle", "Farnsworth", "Grimshaw", "Higginbottom", "Isherwood",
    "Jagger", "Knowles", "Longbottom", "Micklethwaite", "Nuttall", "Ormerod", "Postlethwaite", "Ramsbottom",
]


class Growth:
    """Adds families, casework, notifications and partner events to the world through the API
    and the services, unit by unit (each unit its own surnames)."""

    def __init__(self, app, api, world_state):
        self.app, self.api = app, api
        self.params, _, _, self.tokens = world_state
        self.units = 0

    def _request(self, surname: str) -> dict:
        return new_case(self.api, self.tokens["referrer"], surname)  # a child, Leah <surname>

    def unit(self) -> None:
        from caseflow.notify.models import Delivery
        from caseflow.notify.services import notify

        i, t = self.units, self.tokens
        waiting, at_panel = SURNAMES[2 * i], SURNAMES[2 * i + 1]
        self._request(waiting)  # waits at the front door
        case_id = self._request(at_panel)["case_id"]
        triaged = self.api.post(f"/api/v1/cases/{case_id}/triage", t["front_door"], json=TRIAGE_TO_PANEL)
        # 409: the matcher thought the child might be someone already known; the request then
        # waits for the front door's check, which grows that queue instead.
        assert triaged.status_code in (201, 409), triaged.get_json()
        if i % 2 and triaged.status_code == 201:  # every other one the panel allocates to the world's keyworker (their caseload)
            decided = self.api.post(f"/api/v1/panels/{self.params['panel_id']}/decisions", t["panel_chair"], json={
                "case_id": case_id, "decision": "allocate", "keyworker_id": self.params["keyworker_id"],
                "rationale": "Capacity in North"})
            assert decided.status_code == 201, decided.get_json()
        visit = self.api.post(f"/api/v1/cases/{self.params['case_id']}/contacts", t["keyworker"], json={
            "date": today_london().isoformat(), "type": "phone_call", "notes": f"Call {i}"})
        assert visit.status_code == 201, visit.get_json()
        event = self.api.post("/api/v1/notifications", t["partner_system"], json={
            "type": "police_contact", "occurred_at": "2026-11-20T22:15:00+00:00", "source_reference": f"GROW-{i}",
            "people": [{"given_name": "Unknown", "family_name": SURNAMES[-1 - i], "date_of_birth": "1990-01-01"}]})
        assert event.status_code == 202, event.get_json()
        with self.app.app_context():  # an advice call about the family, and a service in the directory
            from sqlalchemy import select

            from caseflow.auth.models import User
            from caseflow.directory import services as local_services
            from caseflow.frontdoor import advice

            by_role = {role: db.session.scalars(select(User).where(User.role == role)).first()
                       for role in ("front_door", "admin")}
            advice.record(by_role["front_door"], {
                "caller_name": f"Caller {i}", "caller_organisation": "Riverside Primary", "question": "Early help?",
                "advice": "Make a request.", "family_reference": self._family_reference()})
            local_services.add(by_role["admin"], {"name": f"Service {i}", "organisation": "Council", "offers": "Help",
                                                  "area": "Riverside", "problems": ["education"]})
            db.session.commit()
        with self.app.app_context():
            from caseflow.practice import wheel
            from caseflow.practice.models import DashChecklist, WheelScore, WheelScoring
            from caseflow.practice.vocab import DASH_CODES

            # The world's case: another DASH checklist and another outcome wheel scoring.
            db.session.add(DashChecklist(case_id=self.params["case_id"], victim_id=self.params["person_id"],
                                         completed_on=today_london(), answers={c: "no" for c in DASH_CODES},
                                         completed_by_id=self.params["keyworker_id"]))
            db.session.add(WheelScoring(case_id=self.params["case_id"], occasion="review", scored_on=today_london(),
                                        scored_by_id=self.params["keyworker_id"],
                                        scores=[WheelScore(area_id=a.id, family_score=i % 10 + 1, worker_score=5)
                                                for a in wheel.active_areas()]))
            note = notify(self.params["keyworker_id"], "plan", f"grow:{i}", f"Notification {i}", "For the count")
            db.session.flush()
            db.session.add(Delivery(kind="webhook", notification_id=note.id, status="pending"))
            # a partner's row waiting for the front door, and a feed import (the feeds pages)
            from caseflow.imports.models import FeedMatch, ImportJob

            db.session.add(FeedMatch(feed_source_id=self.params["source_id"], row_key=f"grow-{i}", line=i + 2,
                                     status="needs_review", submitted={"given_name": "Leah", "family_name": "Walsh"},
                                     evidence={"kind": "attendance", "period_start": "2025-09-01"},
                                     candidates=[{"person_id": self.params["person_id"], "score": 0.8, "reasons": []}]))
            db.session.add(ImportJob(kind="feed", feed_source_id=self.params["source_id"], source_system="Feed",
                                     filename=f"grow-{i}.csv", size_bytes=1, created_by_id=self.params["keyworker_id"],
                                     counts={"linked": i}, problems=[]))
            db.session.commit()
        self._identified(i)
        self.units += 1

    def _identified(self, i: int) -> None:
        """One more known family whose partner data shows two problems, and a new identification
        run (the pages show the latest): its list is one family longer."""
        from sqlalchemy import select

        from caseflow.auth.models import User
        from tests.identification.helpers import evidence, known_family

        with self.app.app_context():
            analyst = db.session.scalar(select(User.id).where(User.role == "analyst"))
            _, people = known_family(SURNAMES[-20 - i], parent="Dana", child="Rio", postcode="NS8 1XY")
            evidence(people["child"], "attendance", 60, analyst, value=75.0, end_days_ago=10)
            evidence(people["parent"], "offence", 30, analyst)
            db.session.commit()
        run = self.api.post("/api/v1/identification/runs", self.tokens["analyst"], json={})
        assert run.status_code == 202, run.get_json()
        self.params["identification_run_id"] = run.get_json()["id"]

    def _family_reference(self) -> str:
        from caseflow.families.models import Family

        return db.session.get(Family, self.params["family_id"]).reference

    def to(self, units: int) -> None:
        while self.units < units:
            self.unit()


def _no_token_touch(app) -> None:
    """An API token records its last use at most once a minute (caseflow.auth.services), one
    UPDATE whenever a minute has passed since: on a busy machine that lands in one round of
    counting and not the other. Marking every token as just used keeps it out of both."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from caseflow.auth.models import ApiToken
    from caseflow.core.extensions import db

    with app.app_context():
        db.session.execute(update(ApiToken).values(last_used_at=datetime.now(timezone.utc) + timedelta(days=1)))
        db.session.commit()


def count_every_read(app, world_state, reads) -> dict[str, tuple[int, int, int | None]]:
    """(status, statements, the list's total when it is an API list) for each read, keyed by
    role and path."""
    params, rp_id, clients, tokens = world_state
    _no_token_touch(app)
    counts = {}
    for role, rule in reads:
        client, _ = clients[role]
        path = _path(rule.format(**params) if "{" in rule else rule, params, rp_id)
        headers = {"Authorization": f"Bearer {tokens[role]}"} if path.startswith("/api/") else {}
        with app.app_context(), count_queries() as statements:
            response = client.get(path, headers=headers)
        body = response.get_json(silent=True) if path.startswith("/api/") else None
        total = body.get("total") if isinstance(body, dict) else None
        counts[f"GET {rule} as {role}"] = (response.status_code, len(statements), total)
    return counts


def test_no_read_sends_more_statements_with_more_data(world, app, api, monkeypatch):
    from caseflow.core.extensions import limiter

    # The rate limiter's own statements (its database store on SQLite) follow the clock's
    # one-minute windows, not the data: they are left out of the count.
    monkeypatch.setattr(limiter, "enabled", False)
    reads = every_read(app) + LIST_READS
    growth = Growth(app, api, world)
    growth.to(2)
    count_every_read(app, world, reads)  # warm-up: a process's first requests check the rate-limit store
    growth.to(SMALLER)
    smaller = count_every_read(app, world, reads)
    growth.to(LARGER)
    larger = count_every_read(app, world, reads)
    # The lists did grow between the two sizes (else the comparison proves nothing).
    for listed in ["GET /api/v1/requests?per_page=200 as front_door", "GET /api/v1/inbox?per_page=200 as keyworker",
                   "GET /api/v1/cases/{case_id}/contacts?per_page=200 as keyworker",
                   "GET /api/v1/families?q=2011-06-02&per_page=100 as team_manager",
                   "GET /api/v1/deliveries?per_page=200 as admin",
                   "GET /api/v1/identification/families?per_page=200 as front_door"]:
        assert larger[listed][2] > smaller[listed][2], (listed, smaller[listed], larger[listed])
    failed = [f"{read}: {smaller[read][0]}" for read in smaller
              if smaller[read][0] >= 400 and read.split()[1] not in NOT_2XX]
    assert not failed, "reads that did not succeed:\n" + "\n".join(failed)
    grew = [f"{read}: {smaller[read][1]} statements with {SMALLER} units of growth, {larger[read][1]} with {LARGER}"
            for read in smaller if larger[read][1] != smaller[read][1]]
    assert not grew, f"{len(grew)} reads send more SQL with more data:\n" + "\n".join(grew)
