"""The oracle and the surfaces of the differential access test.

The oracle (`Oracle`) restates the documented access rules (DESIGN.md §4, DOMAIN.md "Consent and
lawful bases", the rule texts in caseflow/policy/rules.py) over the generated world's plain data.
It never asks caseflow.core.access or caseflow.policy: were it to, the test would compare the
engine with itself. The rules it states:

- The front door, panel chairs and social workers see every family, every person, every category
  (the service's own basis; social care's statutory functions).
- A team manager sees the families whose case their team holds, or no team holds yet (requested,
  triaged, awaiting panel, stepped down, signposted); another team's family only under a running
  break-glass, and then only the people it names (in every category). A manager with no team is
  the service manager and sees everything.
- A keyworker sees the families whose case they hold or their team holds.
- A partner (practitioner, partner system, panel member) sees, person by person, the categories a
  current grant to their organisation (by id or by type) gives for that person: a consent that is
  given, not expired, not withdrawn; a lawful basis not ended and whose agreement (if any) is in
  force. Whoever they named in a request for help (a partner system: its organisation named) they
  see in identity and referral. Whoever leads a case (keyworker or lead professional, from any
  organisation) sees every member of that family in identity, referral, case notes and plan.
  Anyone shown at all is shown by name (identity). No grant, no family.
- Records of the family as a whole (case notes, the plan, social care's record) are open in a
  category when the reader's grants open that category for someone in the family.
- Per record: a request for help's text is for the front door and panel, whoever made it (a
  partner system: its organisation), staff who may see the family, and whoever leads the case; a
  partner's consent for the referral category does not open another agency's referral. A partner
  event's summary is for the front door, its sender's organisation, and readers with its category
  for a person it names. The TAF reads the plan and, where it does (the plan, the handover
  pack's plan, its inbox), sees every member named. A notification in a partner's inbox is read while the partner may still
  name every person it is about (or is in the TAF). The Team Around the Family (current members, not removed ones) reads the
  plan. Triage's working (rationale, evidence) is the front door's: partners hear the outcome.
  Analysts and administrators see no family.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from io import BytesIO

from tests.consent.differential_world import (
    CATEGORIES, ORG_OF, ORGS, ROLE_OF, TEAM_OF, UNALLOCATED, Built, Marker,
)

ALL = frozenset(CATEGORIES)
CASEWORK = frozenset({"identity", "referral", "case_notes", "plan"})
PARTNER_ROLES = {"partner", "partner_system", "panel_member"}
# The doors through which the TAF reads the plan (plan.view, the handover pack's plan, news
# about the family): there, every member is named (rules.py: plan.view gives identity and plan
# with no per-person cut: the family agreed the plan, for the TAF).
TAF_SURFACES = {"plan", "handover", "inbox"}


@dataclass
class Access:
    """What one user may see of one family: per person (index) the categories; `family` the
    categories open for records of the family as a whole."""
    people: dict[int, frozenset[str]]
    family: frozenset[str]


class Oracle:
    def __init__(self, built: Built):
        self.b = built
        self.w = built.world

    # --- who the reader is to the family ---------------------------------------------------
    def _grant_current(self, grant) -> bool:
        return grant.state in ({"current"} if grant.kind == "consent" else {"current", "agreement_current"})

    def _recipient(self, grant, user: str) -> bool:
        org = ORG_OF[user]
        return grant.recipient == ("org", org) or grant.recipient == ("type", ORGS[org])

    def leads(self, user: str, fi: int) -> bool:
        spec = self.w.families[fi]
        return user in (spec.keyworker, spec.lead_professional)

    def referred(self, user: str, fi: int) -> bool:
        """The user (a partner system: its organisation) made this family's request."""
        referrer = self.w.families[fi].referrer
        return referrer == user or (ROLE_OF[user] == "partner_system" and ORG_OF[referrer] == ORG_OF[user])

    def in_taf(self, user: str, fi: int) -> bool:
        spec = self.w.families[fi]
        return any(member == user and not removed for member, removed in spec.taf)

    def manages(self, user: str, fi: int) -> bool:
        spec = self.w.families[fi]
        return ROLE_OF[user] == "team_manager" and (
            TEAM_OF[user] is None or spec.team in (None, TEAM_OF[user]) or spec.stage in UNALLOCATED)

    def access(self, user: str, fi: int) -> Access | None:
        role, spec = ROLE_OF[user], self.w.families[fi]
        everyone = range(spec.size)
        if role in {"front_door", "panel_chair", "social_worker"}:
            return Access({p: ALL for p in everyone}, ALL)
        if role == "team_manager":
            if self.manages(user, fi):
                return Access({p: ALL for p in everyone}, ALL)
            people = {p for g in self.w.glass if g.family == fi and g.running and g.user == user for p in g.people}
            return Access({p: ALL for p in people}, ALL) if people else None
        if role == "keyworker":
            if spec.keyworker == user or (spec.team is not None and spec.team == TEAM_OF[user]):
                return Access({p: ALL for p in everyone}, ALL)
            return None
        if role in PARTNER_ROLES:
            people: dict[int, set[str]] = {}
            for grant in self.w.grants:
                if grant.family == fi and self._grant_current(grant) and self._recipient(grant, user):
                    for p in grant.people:
                        people.setdefault(p, set()).update(grant.categories)
            if self.referred(user, fi):
                for p in spec.referred:
                    people.setdefault(p, set()).update({"identity", "referral"})
            if self.leads(user, fi):
                for p in everyone:
                    people.setdefault(p, set()).update(CASEWORK)
            if not people:
                return None
            shown = {p: frozenset(c | {"identity"}) for p, c in people.items()}
            return Access(shown, frozenset().union(*shown.values()))
        return None

    # --- may this reader see this marker? ---------------------------------------------------
    def may_see(self, user: str, marker: Marker, surface: str = "") -> bool:
        fi, role = marker.family, ROLE_OF[user]
        access = self.access(user, fi)
        if (surface.startswith("event") and marker.record == "name" and role in PARTNER_ROLES
                and ORG_OF[user] == "police" and marker.person == self.w.families[fi].event_person):
            return True  # the sender's own report names who it is about
        if marker.record == "request_details":
            if role in {"front_door", "panel_chair"} or self.referred(user, fi) and (
                    self.w.families[fi].referrer == user or role == "partner_system"):
                return True
            if role in PARTNER_ROLES:
                return self.leads(user, fi)
            return access is not None and "referral" in access.family
        if marker.record == "event_summary":
            if role in {"front_door", "panel_chair"}:
                return True
            if role in PARTNER_ROLES and ORG_OF[user] == "police":  # the sender's organisation
                return True
        if marker.record == "notification":  # in the recipient's inbox while the sharing lasts
            spec = self.w.families[fi]
            if user != spec.told:
                return False
            return self.in_taf(user, fi) or (access is not None and "identity" in access.people.get(marker.person, ()))
        if marker.record.startswith("triage") and role in PARTNER_ROLES:
            return False  # partners hear triage's outcome, not its working
        if self.in_taf(user, fi) and (marker.category == "plan" or (
                marker.category == "identity" and surface.split(" ")[0] in TAF_SURFACES)):
            return True  # the plan is shared with the TAF, naming the family it is for
        if access is None:
            return False
        if marker.person is None:
            return marker.category in access.family
        return marker.category in access.people.get(marker.person, frozenset())


# --- reading what each surface shows -----------------------------------------------------------

def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(BytesIO(data))
    except Exception:  # not a PDF (a refusal page): read it as text
        return data.decode("utf-8", "replace")
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def response_text(response) -> str:
    if response.mimetype == "application/pdf":
        return pdf_text(response.data)
    return response.get_data(as_text=True)


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


def check_nothing_more(oracle: Oracle, findings: Findings, user: str, surface: str, text: str) -> None:
    """Every marker in `text` must be one the oracle lets `user` see."""
    for marker in oracle.b.markers:
        if marker.text in text and not oracle.may_see(user, marker, surface):
            whose = f"person {marker.person} of family {marker.family}" if marker.person is not None \
                else f"family {marker.family}"
            findings.add(f"LEAK {surface}: {user} sees {marker.category} ({marker.record}) of {whose}")


def expected_member_fields(access: Access | None, size: int) -> dict[int, set[str]]:
    """Which person fields the family view must show, per person shown."""
    if access is None:
        return {}
    out = {}
    for p in range(size):
        cats = access.people.get(p, frozenset())
        if "identity" not in cats:
            continue
        fields = {"name"}
        if "education" in cats:
            fields |= {"upn", "school"}
        if "health" in cats:
            fields |= {"nhs_number", "gp"}
        out[p] = fields
    return out


def check_family_view_exactly(oracle: Oracle, findings: Findings, user: str, fi: int, surface: str, text: str,
                              status: int) -> None:
    """The family view shows exactly the people and person fields the oracle allows."""
    access = oracle.access(user, fi)
    allowed = access is not None or oracle.in_taf(user, fi)
    if access is None:
        if status == 200:
            findings.add(f"MORE {surface}: {user} is shown family {fi} (oracle: no access)")
        return
    if status != 200:
        findings.add(f"LESS {surface}: {user} refused family {fi} ({status}) (oracle: allowed)")
        return
    del allowed
    expected = expected_member_fields(access, oracle.w.families[fi].size)
    for marker in oracle.b.markers:
        if marker.family != fi or marker.person is None or marker.record not in {"name", "upn", "school", "nhs_number", "gp"}:
            continue
        should = marker.record in expected.get(marker.person, set())
        if should and marker.text not in text:
            findings.add(f"LESS {surface}: {user} not shown {marker.record} of person {marker.person} of family {fi}")


# --- the engine's answer, compared with the oracle's ---------------------------------------------

def check_engine(oracle: Oracle, findings: Findings, app, user: str) -> None:
    from caseflow.auth.models import User
    from caseflow.core.access import can
    from caseflow.core.extensions import db
    from caseflow.families.models import Family

    b = oracle.b
    with app.test_request_context():
        actor = db.session.get(User, b.users[user])
        for fi, family_id in enumerate(b.families):
            decision = can(actor, "family.view", db.session.get(Family, family_id))
            access = oracle.access(user, fi)
            if bool(decision) != (access is not None):
                findings.add(f"ENGINE family.view: {user} on family {fi}: engine {bool(decision)}, "
                             f"oracle {access is not None}")
                continue
            if access is None:
                continue
            for pi, person_id in enumerate(b.people[fi]):
                engine = set(decision.categories_for(person_id))
                expected = set(access.people.get(pi, frozenset()))
                if engine != expected:
                    findings.add(f"ENGINE family.view: {user} on person {pi} of family {fi}: engine {sorted(engine)}, "
                                 f"oracle {sorted(expected)}")
                if decision.shows_person(person_id) != ("identity" in expected):
                    findings.add(f"ENGINE shows_person: {user} on person {pi} of family {fi}")
            if set(decision.categories) != set(access.family):
                findings.add(f"ENGINE categories: {user} on family {fi}: engine {sorted(decision.categories)}, "
                             f"oracle {sorted(access.family)}")
        db.session.rollback()


# --- signing in without a password ---------------------------------------------------------------

USER_AGENT = "differential-access-test"


def web_client(app, user_id: str):
    """A browser session for the user, as after signing in (the password step is tested elsewhere)."""
    from flask_login.utils import _create_identifier

    from caseflow.core.database import utcnow

    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    with app.test_request_context(headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["_id"] = identifier
        session["last_seen"] = utcnow().timestamp()
    return client


def api_get(client, path: str, token: str):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def as_json_text(response) -> str:
    try:
        return json.dumps(response.get_json(silent=True))
    except Exception:
        return response.get_data(as_text=True)


_WS = re.compile(r"\s+")
