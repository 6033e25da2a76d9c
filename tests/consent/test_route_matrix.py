"""The authorisation matrix: every route of the app, for every subject, allowed or refused as
declared here. A route with no row fails the first test, so no endpoint can be added without a
policy decision being written down and checked.

Subjects are job roles and relationships: the family's keyworker and a keyworker of another
team, a manager with no team (who runs the service) and a manager of another team, partners of
every organisation type with and without the family's consent, a TAF member and someone removed
from the TAF.

"Refused" means exactly 403 for a signed-in user: any other answer to someone the matrix
refuses is a failure (a 409 or 422 would mean the request got past the policy, or never asked
it). "Allowed" means a 2xx or 3xx, or a 4xx (a form error, a conflict) after the policy was
asked and said yes during that request; never a 401/403 or a 500. Anonymous callers get the
sign-in page (web) or 401 (API) unless a route is public.
"""
from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from datetime import timedelta

import pytest

from caseflow.core.roles import OrgType
from tests.conftest import _https_client, csrf_token, sign_in
from tests.imports.helpers import SAMPLE
from tests.outcomes.helpers import attendance, claims, claims_run, family_on_programme
from tests.plans.helpers import complete_assessment, members, plan_body
from tests.triage.helpers import case_at_panel
from caseflow.core.timescales import today_london

# Partners of every organisation type: one with the family's consent, one without.
ORG_TYPES = [t.value for t in OrgType]
CONSENTED = {f"consented_{t}" for t in ORG_TYPES}
UNCONSENTED = {f"partner_{t}" for t in ORG_TYPES}
ROLES = ["front_door", "panel_chair", "panel_member", "keyworker", "other_keyworker", "team_manager", "other_manager",
         "social_worker", "referrer", "taf_partner", "removed_taf", "stranger_partner", "partner_system", "analyst",
         "admin", *sorted(CONSENTED), *sorted(UNCONSENTED)]
EVERYONE = set(ROLES)
SERVICE = {"front_door", "panel_chair", "team_manager"}
MANAGERS_WORK = SERVICE | {"other_manager"}                 # the front door, panel and unallocated work
WORKERS = SERVICE | {"social_worker", "keyworker"}          # people working with this family
CASEWORK = {"keyworker", "team_manager"}                     # recording on an early-help case
PARTNERS = {"panel_member", "referrer", "taf_partner", "removed_taf", "stranger_partner", "partner_system"} \
    | CONSENTED | UNCONSENTED
FAMILY_READERS = WORKERS | {"referrer"} | CONSENTED          # the family view and the case page
RECORD_KEEPERS = {"front_door", "team_manager", "other_manager"}  # merging, unmerging, splitting records
PUBLIC = "public"
OPERATOR = frozenset()  # no role: the loopback address or a CASEFLOW_METRICS_TOKEN holder only
OWN_ACCOUNT = "own account"  # every signed-in user, about their own account: no one else's data, no policy question
OUTCOME_READERS = WORKERS | {"analyst"}                 # a family's outcomes: who may see the family, and analysts
EVIDENCE_RECORDERS = {"keyworker", "team_manager", "analyst"}
CLAIMS = {"analyst", "team_manager", "other_manager"}       # payment-by-results claims
REPORT_STAFF = {"team_manager", "other_manager", "panel_chair", "analyst"}
ADVICE_LINE = {"front_door", "panel_chair", "team_manager", "other_manager"}  # the advice line log
DASHBOARD_PARTNERS = {"referrer", "taf_partner", "removed_taf", "stranger_partner", "partner_system"} \
    | CONSENTED | UNCONSENTED                               # the demand dashboard, their own organisation's
IDENTIFICATION_RUNNERS = {"analyst", "team_manager", "other_manager"}
IDENTIFICATION_READERS = IDENTIFICATION_RUNNERS | {"front_door"}
IDENTIFICATION_DECIDERS = {"front_door", "team_manager", "other_manager"}

# (method, rule) -> roles allowed. Rules use the app's own URL rules, exactly.
MATRIX: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/"): PUBLIC, ("GET", "/sign-in"): PUBLIC, ("POST", "/sign-in"): PUBLIC,
    ("GET", "/sign-in/code"): PUBLIC, ("POST", "/sign-in/code"): PUBLIC, ("GET", "/healthz"): PUBLIC,
    # Operators' probes, no personal data: readiness verdicts for anyone (a load balancer asks);
    # request and queue figures for no role at all, only the loopback address or a bearer of
    # CASEFLOW_METRICS_TOKEN (tests/test_operations.py). The matrix's clients come from 10.0.x.x.
    ("GET", "/readyz"): PUBLIC, ("GET", "/metrics"): OPERATOR,
    ("GET", "/ask-for-help"): PUBLIC, ("POST", "/ask-for-help"): PUBLIC, ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/privacy"): PUBLIC, ("GET", "/accessibility"): PUBLIC, ("GET", "/cookies"): PUBLIC,
    ("GET", "/account/two-factor"): OWN_ACCOUNT, ("POST", "/account/two-factor"): OWN_ACCOUNT,
    ("GET", "/account/password"): OWN_ACCOUNT, ("POST", "/account/password"): OWN_ACCOUNT,
    ("POST", "/sign-out"): OWN_ACCOUNT,
    ("GET", "/admin/users"): {"admin"}, ("POST", "/admin/users"): {"admin"},
    # administration: people, organisations and teams, API tokens (the targets are a spare
    # account, its token and a team of their own, so the resets and revocation touch no subject)
    ("GET", "/admin/users/new"): {"admin"}, ("POST", "/admin/users/new"): {"admin"},
    ("GET", "/admin/users/<user_id>"): {"admin"}, ("POST", "/admin/users/<user_id>"): {"admin"},
    ("POST", "/admin/users/<user_id>/reset-password"): {"admin"},
    ("POST", "/admin/users/<user_id>/reset-two-factor"): {"admin"},
    ("GET", "/admin/organisations"): {"admin"},
    ("GET", "/admin/organisations/new"): {"admin"}, ("POST", "/admin/organisations/new"): {"admin"},
    ("GET", "/admin/organisations/<org_id>"): {"admin"}, ("POST", "/admin/organisations/<org_id>"): {"admin"},
    ("POST", "/admin/organisations/<org_id>/teams"): {"admin"},
    ("POST", "/admin/organisations/<org_id>/teams/<team_id>"): {"admin"},
    ("GET", "/admin/tokens"): {"admin"}, ("POST", "/admin/tokens/<token_id>/revoke"): {"admin"},
    ("GET", "/admin/local-criteria"): {"admin"}, ("POST", "/admin/local-criteria"): {"admin"},
    # inbox: everyone reads their own
    ("GET", "/inbox"): EVERYONE, ("POST", "/inbox/<notification_id>/acknowledge"): EVERYONE,
    ("GET", "/api/v1/inbox"): EVERYONE, ("POST", "/api/v1/inbox/<notification_id>/acknowledge"): EVERYONE,
    # front door: work not yet allocated is every manager's
    ("GET", "/front-door"): MANAGERS_WORK, ("GET", "/api/v1/requests"): MANAGERS_WORK,
    ("GET", "/requests/new"): EVERYONE - {"admin", "analyst"}, ("POST", "/requests/new"): EVERYONE - {"admin", "analyst"},
    ("POST", "/api/v1/requests"): EVERYONE - {"admin", "analyst"},
    # the request that brought the family in: its referrer, and the people now working with the family
    ("GET", "/requests/<request_id>"): SERVICE | {"referrer", "social_worker", "keyworker"},
    ("GET", "/api/v1/requests/<request_id>"): SERVICE | {"referrer", "social_worker", "keyworker"},
    ("GET", "/requests/<request_id>/submitted"): SERVICE | {"referrer", "social_worker", "keyworker"},
    ("POST", "/requests/<request_id>/people/<person_id>/match"): {"front_door", "team_manager", "other_manager"},
    ("POST", "/api/v1/requests/<request_id>/people/<person_id>/match"): {"front_door", "team_manager", "other_manager"},
    # families
    ("GET", "/families"): EVERYONE - {"admin", "analyst"}, ("GET", "/api/v1/families"): EVERYONE - {"admin", "analyst"},
    ("GET", "/families/<family_id>"): FAMILY_READERS, ("GET", "/api/v1/families/<family_id>"): FAMILY_READERS,
    ("GET", "/families/<family_id>/access-log"): SERVICE | {"keyworker"},
    ("GET", "/api/v1/families/<family_id>/access-log"): SERVICE | {"keyworker"},
    ("GET", "/families/<family_id>/consents"): WORKERS, ("POST", "/families/<family_id>/consents"): WORKERS,
    ("GET", "/api/v1/families/<family_id>/consents"): WORKERS,
    ("GET", "/families/<family_id>/lawful-bases"): WORKERS, ("POST", "/families/<family_id>/lawful-bases"): WORKERS,
    ("POST", "/api/v1/families/<family_id>/lawful-bases"): WORKERS,
    # a duty manager of any team may break glass (with a reason): that is what it is for
    ("POST", "/families/<family_id>/break-glass"): {"team_manager", "other_manager"},
    ("GET", "/families/<family_id>/break-glass"): {"team_manager", "other_manager"},
    ("POST", "/api/v1/families/<family_id>/break-glass"): {"team_manager", "other_manager"},
    ("POST", "/api/v1/people/<person_id>/consents"): WORKERS,
    ("POST", "/consents/<consent_id>/withdraw"): WORKERS, ("POST", "/api/v1/consents/<consent_id>/withdraw"): WORKERS,
    ("GET", "/consents/<consent_id>/form.pdf"): WORKERS,
    ("GET", "/consents/<consent_id>/signed-copy"): WORKERS, ("POST", "/consents/<consent_id>/signed-copy"): WORKERS,
    ("GET", "/consents/<consent_id>/signed-copy/download"): WORKERS,
    # the register of information sharing agreements: no personal data, kept by admins and managers
    ("GET", "/agreements"): EVERYONE, ("GET", "/api/v1/agreements"): EVERYONE,
    ("GET", "/agreements/new"): {"admin", "team_manager", "other_manager"},
    ("POST", "/agreements/new"): {"admin", "team_manager", "other_manager"},
    ("GET", "/people/<person_id>/subject-access.pdf"): {"team_manager"},
    ("GET", "/api/v1/people/<person_id>/subject-access"): {"team_manager"},
    ("GET", "/reports/access"): {"team_manager", "other_manager"},
    ("GET", "/api/v1/reports/access"): {"team_manager", "other_manager"},
    # triage, panels, allocation
    ("GET", "/cases/<case_id>/triage"): WORKERS, ("POST", "/cases/<case_id>/triage"): {"front_door", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/triage"): {"front_door", "team_manager"},
    ("POST", "/cases/<case_id>/triage/amend"): {"team_manager"},
    ("POST", "/api/v1/cases/<case_id>/triage/amendments"): {"team_manager"},
    ("GET", "/panels"): MANAGERS_WORK | {"social_worker", "panel_member"},
    ("POST", "/panels"): {"panel_chair", "team_manager", "other_manager"},
    ("POST", "/api/v1/panels"): {"panel_chair", "team_manager", "other_manager"},
    ("GET", "/panels/<panel_id>"): MANAGERS_WORK | {"social_worker", "panel_member"},
    ("GET", "/api/v1/panels/<panel_id>"): MANAGERS_WORK | {"social_worker", "panel_member"},
    ("GET", "/panels/<panel_id>/minutes"): MANAGERS_WORK | {"social_worker", "panel_member"},
    ("GET", "/panels/<panel_id>/minutes.pdf"): MANAGERS_WORK | {"social_worker", "panel_member"},
    ("POST", "/panels/<panel_id>/attendance"): {"panel_chair", "team_manager", "other_manager"},
    ("POST", "/panels/<panel_id>/decisions"): {"panel_chair", "team_manager", "other_manager"},
    ("POST", "/api/v1/panels/<panel_id>/decisions"): {"panel_chair", "team_manager", "other_manager"},
    # the panel allocated this family to a team: amending that is the chair's or that team's manager's
    ("POST", "/panels/<panel_id>/decisions/<case_id>/amend"): {"panel_chair", "team_manager"},
    ("POST", "/api/v1/panels/<panel_id>/decisions/<case_id>/amendments"): {"panel_chair", "team_manager"},
    ("GET", "/cases/<case_id>/allocate"): {"panel_chair", "team_manager"},
    # Action & Impact (escalation): the case's keyworker or its manager nominates; chairs and
    # managers run the meeting. Contributions (on the world's Action and Impact panel, which the
    # police and the consented school sit on): staff read all, a member organisation its own, and
    # only an organisation the family's consent covers may write.
    ("GET", "/cases/<case_id>/action-and-impact"): {"keyworker", "team_manager"},
    ("POST", "/cases/<case_id>/action-and-impact"): {"keyworker", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/action-and-impact"): {"keyworker", "team_manager"},
    ("POST", "/panel-nominations/<nomination_id>/discussion"): {"panel_chair", "team_manager", "other_manager"},
    ("POST", "/api/v1/panel-nominations/<nomination_id>/discussion"): {"panel_chair", "team_manager", "other_manager"},
    ("POST", "/panel-nominations/<nomination_id>/actions"): {"panel_chair", "team_manager", "other_manager"},
    ("POST", "/api/v1/panel-nominations/<nomination_id>/actions"): {"panel_chair", "team_manager", "other_manager"},
    ("POST", "/panel-actions/<panel_action_id>/follow-up"): {"panel_chair", "team_manager", "other_manager"},
    ("POST", "/api/v1/panel-actions/<panel_action_id>/follow-up"): {"panel_chair", "team_manager", "other_manager"},
    ("GET", "/panels/<panel_id>/contributions"): MANAGERS_WORK | {"social_worker", "panel_member", "partner_system",
                                                                  "consented_school"},
    ("GET", "/api/v1/panels/<panel_id>/contributions"): MANAGERS_WORK | {"social_worker", "panel_member",
                                                                         "partner_system", "consented_school"},
    ("POST", "/panels/<panel_id>/contributions/<case_id>"): {"consented_school"},
    ("PUT", "/api/v1/panels/<panel_id>/contributions/<case_id>"): {"consented_school"},
    # localities: administrators maintain them; the front door, chairs and managers place families
    ("GET", "/localities"): MANAGERS_WORK | {"admin"},
    ("POST", "/localities"): {"admin"},
    ("POST", "/localities/<locality_id>/families"): MANAGERS_WORK,
    ("POST", "/cases/<case_id>/allocate"): {"team_manager"},  # the case is held: re-allocation
    ("POST", "/api/v1/cases/<case_id>/allocation"): {"team_manager"},
    ("GET", "/unallocated"): MANAGERS_WORK, ("GET", "/api/v1/cases/unallocated"): MANAGERS_WORK,
    ("GET", "/caseloads"): MANAGERS_WORK, ("GET", "/api/v1/caseloads"): MANAGERS_WORK,
    ("GET", "/caseload"): EVERYONE,  # your own caseload (empty if you hold none)
    ("GET", "/caseload/<keyworker_id>"): SERVICE | {"keyworker"},
    ("GET", "/api/v1/caseloads/<keyworker_id>"): SERVICE | {"keyworker"},
    ("GET", "/cases/<case_id>/signpost-letter"): {"front_door", "team_manager"},
    ("GET", "/admin/local-criteria/"): {"admin"},
    # the case and its casework
    ("GET", "/cases/<case_id>"): FAMILY_READERS, ("GET", "/api/v1/cases/<case_id>"): FAMILY_READERS,
    ("GET", "/cases/<case_id>/assessment"): WORKERS, ("POST", "/cases/<case_id>/assessment"): WORKERS,
    ("GET", "/api/v1/cases/<case_id>/assessment"): WORKERS,
    ("PUT", "/api/v1/cases/<case_id>/assessment"): CASEWORK, ("POST", "/cases/<case_id>/assessment/autosave"): CASEWORK,
    ("POST", "/api/v1/cases/<case_id>/assessment/complete"): CASEWORK,
    ("POST", "/cases/<case_id>/assessment/addenda"): CASEWORK, ("POST", "/api/v1/cases/<case_id>/assessment/addenda"): CASEWORK,
    ("GET", "/cases/<case_id>/plan"): WORKERS | {"taf_partner"}, ("POST", "/cases/<case_id>/plan"): CASEWORK,
    ("GET", "/api/v1/cases/<case_id>/plan"): WORKERS | {"taf_partner"},
    ("GET", "/cases/<case_id>/plan.pdf"): WORKERS | {"taf_partner"},
    ("PUT", "/api/v1/cases/<case_id>/plan"): CASEWORK,
    ("POST", "/cases/<case_id>/plan/agree"): CASEWORK, ("POST", "/api/v1/cases/<case_id>/plan/agree"): CASEWORK,
    # progress on the TAF partner's own action: theirs, and the casework's
    ("POST", "/cases/<case_id>/plan/actions/<action_id>/progress"): CASEWORK | {"taf_partner"},
    ("POST", "/api/v1/cases/<case_id>/plan/actions/<action_id>/progress"): CASEWORK | {"taf_partner"},
    ("GET", "/cases/<case_id>/contacts/new"): CASEWORK, ("POST", "/cases/<case_id>/contacts/new"): CASEWORK,
    ("POST", "/api/v1/cases/<case_id>/contacts"): CASEWORK, ("GET", "/api/v1/cases/<case_id>/contacts"): WORKERS,
    ("GET", "/cases/<case_id>/reviews/new"): CASEWORK, ("POST", "/cases/<case_id>/reviews/new"): CASEWORK,
    ("POST", "/api/v1/cases/<case_id>/reviews"): CASEWORK, ("GET", "/api/v1/cases/<case_id>/reviews"): WORKERS,
    ("POST", "/cases/<case_id>/taf"): CASEWORK, ("POST", "/api/v1/cases/<case_id>/taf"): CASEWORK,
    ("GET", "/cases/<case_id>/taf/add"): CASEWORK,
    ("POST", "/cases/<case_id>/taf/<member_id>/remove"): CASEWORK,
    ("GET", "/cases/<case_id>/close"): CASEWORK, ("POST", "/cases/<case_id>/close"): CASEWORK,
    ("POST", "/api/v1/cases/<case_id>/close"): CASEWORK,
    ("GET", "/cases/<case_id>/engagement"): {"team_manager"}, ("POST", "/cases/<case_id>/engagement"): {"team_manager"},
    ("POST", "/api/v1/cases/<case_id>/engagement-extension"): {"team_manager"},
    ("GET", "/cases/<case_id>/chronology"): WORKERS, ("GET", "/api/v1/cases/<case_id>/chronology"): WORKERS,
    ("GET", "/overdue"): MANAGERS_WORK | {"keyworker", "other_keyworker"},
    ("GET", "/api/v1/cases/overdue"): MANAGERS_WORK | {"keyworker", "other_keyworker"},
    # social care
    ("GET", "/cases/<case_id>/step-up"): WORKERS, ("POST", "/cases/<case_id>/step-up"): WORKERS,
    ("POST", "/api/v1/cases/<case_id>/step-up"): WORKERS,
    ("GET", "/cases/<case_id>/step-down"): {"social_worker", "team_manager"},
    ("POST", "/cases/<case_id>/step-down"): {"social_worker", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/step-down"): {"social_worker", "team_manager"},
    ("POST", "/cases/<case_id>/step-up/response"): {"social_worker"},
    ("POST", "/api/v1/cases/<case_id>/step-up/response"): {"social_worker"},
    ("POST", "/cases/<case_id>/step-up/response/amend"): {"social_worker"},
    ("POST", "/api/v1/cases/<case_id>/step-up/response/amendments"): {"social_worker"},
    ("POST", "/cases/<case_id>/statutory-status"): {"social_worker", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/statutory-status"): {"social_worker", "team_manager"},
    ("POST", "/cases/<case_id>/social-worker"): {"social_worker", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/social-worker"): {"social_worker", "team_manager"},
    ("POST", "/cases/<case_id>/keyworker-role"): {"social_worker", "team_manager"},
    ("POST", "/api/v1/cases/<case_id>/keyworker-role"): {"social_worker", "team_manager"},
    ("GET", "/cases/<case_id>/handover-pack.pdf"): FAMILY_READERS | {"taf_partner"},
    ("GET", "/api/v1/cases/<case_id>/handover-pack"): FAMILY_READERS | {"taf_partner"},
    ("GET", "/reports/step-up-step-down"): {"team_manager", "other_manager", "panel_chair", "analyst"},
    ("GET", "/api/v1/reports/transitions"): {"team_manager", "other_manager", "panel_chair", "analyst"},
    ("GET", "/api/v1/reports/oscillating-families"): {"team_manager", "other_manager", "panel_chair"},
    # partner events, flags and the notification queue
    ("POST", "/api/v1/notifications"): PARTNERS | MANAGERS_WORK,
    ("POST", "/api/v1/notifications/batch"): PARTNERS | MANAGERS_WORK,
    # an event about the family: its sender (the police system and panel member's force) and
    # whoever may see the family; the summary itself is cut by category (tests/consent/test_per_record_views.py)
    ("GET", "/api/v1/notifications/<event_id>"): FAMILY_READERS | {"panel_member", "partner_system"},
    ("GET", "/api/v1/flags"): EVERYONE - {"admin", "analyst"},
    ("GET", "/api/v1/events/review"): {"front_door", "team_manager", "other_manager"},
    ("POST", "/api/v1/events/<event_id>/review"): {"front_door", "team_manager", "other_manager"},
    ("POST", "/api/v1/events/<event_id>/decision"): {"team_manager", "keyworker"},
    ("GET", "/api/v1/deliveries"): {"admin"}, ("POST", "/api/v1/deliveries/<delivery_id>/replay"): {"admin"},
    ("GET", "/api/v1/routing-rules"): {"admin"}, ("PUT", "/api/v1/routing-rules"): {"admin"},
    ("PUT", "/api/v1/organisations/<org_id>/notification-settings"): {"admin"},
    ("GET", "/events/review"): {"front_door", "team_manager", "other_manager"},
    ("GET", "/events/<event_id>"): FAMILY_READERS | {"panel_member", "partner_system"},
    ("POST", "/events/<event_id>/review"): {"front_door", "team_manager", "other_manager"},
    ("POST", "/events/<event_id>/decision"): {"team_manager", "keyworker"},
    ("GET", "/notifications/dashboard"): MANAGERS_WORK,
    ("GET", "/admin/routing"): {"admin"}, ("POST", "/admin/routing"): {"admin"},
    ("POST", "/admin/school-holidays"): {"admin"},
    ("GET", "/admin/deliveries"): {"admin"}, ("POST", "/admin/deliveries/<delivery_id>/replay"): {"admin"},
    ("GET", "/admin/organisations/<org_id>/notifications"): {"admin"},
    ("POST", "/admin/organisations/<org_id>/notifications"): {"admin"},
    # family records over time: the people working with the family correct it and record its
    # household; the front door and managers merge, unmerge and split records
    ("GET", "/people/<person_id>"): WORKERS, ("GET", "/api/v1/people/<person_id>"): WORKERS,
    ("GET", "/people/<person_id>/correct"): WORKERS, ("POST", "/people/<person_id>/correct"): WORKERS,
    ("POST", "/api/v1/people/<person_id>/corrections"): WORKERS,
    ("GET", "/families/<family_id>/household"): FAMILY_READERS,
    ("GET", "/api/v1/families/<family_id>/household"): FAMILY_READERS,
    ("POST", "/families/<family_id>/household/join"): WORKERS, ("POST", "/families/<family_id>/household/leave"): WORKERS,
    ("POST", "/api/v1/families/<family_id>/household/members"): WORKERS,
    ("POST", "/api/v1/families/<family_id>/household/members/<person_id>/leave"): WORKERS,
    ("POST", "/families/<family_id>/relationships"): WORKERS,
    ("POST", "/api/v1/families/<family_id>/relationships"): WORKERS,
    ("GET", "/people/<person_id>/merge"): RECORD_KEEPERS, ("POST", "/people/<person_id>/merge"): RECORD_KEEPERS,
    ("GET", "/families/<family_id>/merge"): RECORD_KEEPERS, ("POST", "/families/<family_id>/merge"): RECORD_KEEPERS,
    ("GET", "/people/<person_id>/unmerge"): RECORD_KEEPERS, ("POST", "/people/<person_id>/unmerge"): RECORD_KEEPERS,
    ("GET", "/families/<family_id>/unmerge"): RECORD_KEEPERS, ("POST", "/families/<family_id>/unmerge"): RECORD_KEEPERS,
    ("GET", "/people/<person_id>/split"): RECORD_KEEPERS, ("POST", "/people/<person_id>/split"): RECORD_KEEPERS,
    ("GET", "/duplicates"): RECORD_KEEPERS, ("POST", "/duplicates/<candidate_id>/dismiss"): RECORD_KEEPERS,
    ("GET", "/api/v1/people/<person_id>/compare"): RECORD_KEEPERS,
    ("GET", "/api/v1/families/<family_id>/compare"): RECORD_KEEPERS,
    ("POST", "/api/v1/people/<person_id>/merge"): RECORD_KEEPERS,
    ("POST", "/api/v1/families/<family_id>/merge"): RECORD_KEEPERS,
    ("POST", "/api/v1/people/<person_id>/unmerge"): RECORD_KEEPERS,
    ("POST", "/api/v1/families/<family_id>/unmerge"): RECORD_KEEPERS,
    ("POST", "/api/v1/people/<person_id>/split"): RECORD_KEEPERS,
    ("GET", "/api/v1/duplicates"): RECORD_KEEPERS, ("POST", "/api/v1/duplicates/<candidate_id>/dismiss"): RECORD_KEEPERS,
    # oversight: supervision (the case's keyworker and its managers only) and case file audit
    ("GET", "/cases/<case_id>/oversight"): {"keyworker", "team_manager"},
    ("GET", "/cases/<case_id>/supervision/new"): {"team_manager"},
    ("POST", "/cases/<case_id>/supervision/new"): {"team_manager"},
    ("POST", "/api/v1/cases/<case_id>/supervisions"): {"team_manager"},
    ("GET", "/api/v1/cases/<case_id>/supervisions"): {"keyworker", "team_manager"},
    ("GET", "/supervision/overdue"): {"team_manager", "other_manager"},
    ("GET", "/api/v1/supervision/overdue"): {"team_manager", "other_manager"},
    ("GET", "/case-audits"): {"team_manager", "other_manager"}, ("POST", "/case-audits"): {"team_manager", "other_manager"},
    ("GET", "/case-audits/samples/<sample_id>"): {"team_manager", "other_manager"},
    ("GET", "/case-audits/files/<audit_id>"): {"team_manager", "other_manager"},
    ("POST", "/case-audits/files/<audit_id>"): {"team_manager", "other_manager"},
    ("GET", "/case-audits/checklist"): {"team_manager", "other_manager"},
    ("POST", "/case-audits/checklist"): {"team_manager", "other_manager"},
    ("POST", "/api/v1/case-audits/samples"): {"team_manager", "other_manager"},
    ("GET", "/api/v1/case-audits/samples/<sample_id>"): {"team_manager", "other_manager"},
    ("POST", "/api/v1/case-audits/files/<audit_id>/grade"): {"team_manager", "other_manager"},
    ("GET", "/api/v1/case-audits/grades"): {"team_manager", "other_manager"},
    # practice tools: a case's DASH checklists are read by the people working with the family
    # (risk.view: casework.view, and a partner only when leading the case) and completed by those
    # doing its casework; the outcome wheel likewise; its areas are administrators'.
    ("GET", "/cases/<case_id>/dash"): WORKERS, ("GET", "/cases/<case_id>/dash/<checklist_id>"): WORKERS,
    ("GET", "/cases/<case_id>/dash/new"): CASEWORK, ("POST", "/cases/<case_id>/dash/new"): CASEWORK,
    ("POST", "/cases/<case_id>/dash/<checklist_id>/marac"): CASEWORK,
    ("GET", "/cases/<case_id>/outcome-wheel"): WORKERS,
    ("GET", "/cases/<case_id>/outcome-wheel/new"): CASEWORK, ("POST", "/cases/<case_id>/outcome-wheel/new"): CASEWORK,
    ("GET", "/admin/outcome-wheel"): {"admin"}, ("POST", "/admin/outcome-wheel"): {"admin"},
    ("GET", "/admin/outcome-wheel/<area_id>"): {"admin"}, ("POST", "/admin/outcome-wheel/<area_id>"): {"admin"},
    # outcomes and payment by results (docs/outcomes.md, caseflow/policy/rules.py outcomes.*): the
    # Outcomes Plan is published to everyone and kept by administrators; a family's outcomes are
    # seen by the staff who may see the family and by analysts; evidence is recorded by the
    # keyworker, managers, analysts and partner systems (here a police force's) for their own kind;
    # claims are worked by analysts and team managers (any team's: the programme's claims), an
    # analyst validates and records payment, a manager approves; the national returns and unit costs
    # are analysts' and administrators'. The run is a claims run, the batch a submitted month.
    ("GET", "/outcomes/plan"): EVERYONE, ("POST", "/outcomes/plan"): {"admin"},
    ("GET", "/api/v1/outcomes/plan"): EVERYONE, ("POST", "/api/v1/outcomes/plan/versions"): {"admin"},
    ("GET", "/outcomes/plan/problems/<code>"): {"admin"}, ("POST", "/outcomes/plan/problems/<code>"): {"admin"},
    ("GET", "/families/<family_id>/outcomes"): OUTCOME_READERS,
    ("GET", "/api/v1/families/<family_id>/outcomes"): OUTCOME_READERS,
    ("POST", "/families/<family_id>/outcomes"): EVIDENCE_RECORDERS,
    # the person (so the family) is named in the body: the route is open to every keyworker and
    # manager (outcomes.evidence.send) and each record is decided by outcomes.evidence.record on
    # the person's family (tests/outcomes); here the body is empty, so no family is named
    ("POST", "/api/v1/outcomes/evidence"): EVIDENCE_RECORDERS | {"other_keyworker", "other_manager", "partner_system"},
    ("GET", "/outcomes/claims"): CLAIMS, ("GET", "/api/v1/outcomes/claims"): CLAIMS,
    ("POST", "/api/v1/outcomes/claims"): CLAIMS,
    ("GET", "/outcomes/claims/<claim_id>"): CLAIMS, ("GET", "/api/v1/outcomes/claims/<claim_id>"): CLAIMS,
    ("POST", "/outcomes/claims/<claim_id>"): CLAIMS,  # validate, reject or approve: which one is asked again
    ("POST", "/api/v1/outcomes/claims/<claim_id>/validate"): {"analyst"},
    ("POST", "/api/v1/outcomes/claims/<claim_id>/reject"): CLAIMS,
    ("POST", "/api/v1/outcomes/claims/<claim_id>/approve"): {"team_manager", "other_manager"},
    ("POST", "/api/v1/outcomes/claims/<claim_id>/paid"): {"analyst"},
    ("POST", "/outcomes/claims/submit"): CLAIMS, ("POST", "/api/v1/outcomes/claims/submissions"): CLAIMS,
    ("GET", "/outcomes/batches/<batch_id>.csv"): CLAIMS,
    ("POST", "/outcomes/runs"): CLAIMS, ("POST", "/api/v1/outcomes/runs"): CLAIMS,  # returns runs: analysts only
    ("GET", "/outcomes/runs/<run_id>"): CLAIMS, ("GET", "/api/v1/outcomes/runs/<run_id>"): CLAIMS,
    ("GET", "/outcomes/runs/<run_id>/output.csv"): CLAIMS, ("GET", "/api/v1/outcomes/runs/<run_id>/output"): CLAIMS,
    ("GET", "/outcomes/returns"): {"analyst", "admin"},  # the returns (analysts) and unit costs (admins)
    ("POST", "/outcomes/returns"): {"admin"},  # a unit cost
    # dashboards: managers, panel chairs and analysts see the service's figures (aggregates only);
    # partners the demand dashboard about their own organisation; the cases behind a missed target
    # only managers; the analyst's workspace (pseudonymised extracts) only analysts. <key> is the
    # timeliness dashboard.
    ("GET", "/reports"): REPORT_STAFF | DASHBOARD_PARTNERS,
    ("GET", "/reports/<key>"): REPORT_STAFF, ("GET", "/reports/<key>.xlsx"): REPORT_STAFF,
    ("GET", "/reports/<key>/<table>.csv"): REPORT_STAFF, ("POST", "/reports/<key>/refresh"): REPORT_STAFF,
    ("GET", "/reports/timeliness/missed"): {"team_manager", "other_manager", "panel_chair"},
    ("GET", "/analysis"): {"analyst"}, ("POST", "/analysis/extracts"): {"analyst"},
    ("GET", "/analysis/extracts/<job_id>"): {"analyst"}, ("GET", "/analysis/extracts/<job_id>.csv"): {"analyst"},
    # the migration import: a data job, for analysts and administrators only (imports.run)
    ("GET", "/imports"): {"analyst", "admin"}, ("POST", "/imports"): {"analyst", "admin"},
    ("GET", "/imports/<job_id>"): {"analyst", "admin"}, ("POST", "/imports/<job_id>/cancel"): {"analyst", "admin"},
    ("GET", "/imports/<job_id>/problems.csv"): {"analyst", "admin"},
    # data identification (caseflow/policy/rules.py identification.*): analysts and managers run
    # it; analysts, the front door and managers see the identified families and their evidence;
    # the front door and managers start a request from one or dismiss it. <run_id> and
    # <family_id> are an identification run and a family it identified (_path).
    ("GET", "/identification"): IDENTIFICATION_READERS,
    ("POST", "/identification/runs"): IDENTIFICATION_RUNNERS,
    ("POST", "/api/v1/identification/runs"): IDENTIFICATION_RUNNERS,
    ("GET", "/api/v1/identification/runs"): IDENTIFICATION_READERS,
    ("GET", "/identification/runs/<run_id>"): IDENTIFICATION_READERS,
    ("GET", "/api/v1/identification/runs/<run_id>"): IDENTIFICATION_READERS,
    ("GET", "/api/v1/identification/families"): IDENTIFICATION_READERS,
    ("GET", "/identification/runs/<run_id>/families/<family_id>"): IDENTIFICATION_READERS,
    ("POST", "/identification/runs/<run_id>/families/<family_id>/request"): IDENTIFICATION_DECIDERS,
    ("POST", "/api/v1/identification/runs/<run_id>/families/<family_id>/request"): IDENTIFICATION_DECIDERS,
    ("POST", "/identification/runs/<run_id>/families/<family_id>/dismiss"): IDENTIFICATION_DECIDERS,
    ("POST", "/api/v1/identification/runs/<run_id>/families/<family_id>/dismiss"): IDENTIFICATION_DECIDERS,
    # after closure (the world's case is still reviewing: the pages answer 404/409 once the policy
    # has said yes): the people doing the casework read it, the keyworker and manager record it
    ("GET", "/cases/<case_id>/monitoring"): WORKERS, ("GET", "/api/v1/cases/<case_id>/monitoring"): WORKERS,
    ("POST", "/cases/<case_id>/monitoring/check-ins/<check_in_id>"): CASEWORK,
    ("POST", "/api/v1/cases/<case_id>/monitoring/check-ins/<check_in_id>"): CASEWORK,
    ("POST", "/cases/<case_id>/monitoring/review"): CASEWORK, ("POST", "/api/v1/cases/<case_id>/monitoring/review"): CASEWORK,
    ("GET", "/cases/<case_id>/closing-letter"): WORKERS,
    # the directory of local services: no personal data; administrators keep it, everyone who
    # may signpost a family reads it
    ("GET", "/admin/directory"): {"admin"}, ("GET", "/admin/directory/new"): {"admin"},
    ("POST", "/admin/directory/new"): {"admin"}, ("GET", "/admin/directory/<service_id>"): {"admin"},
    ("POST", "/admin/directory/<service_id>"): {"admin"},
    ("GET", "/api/v1/directory"): EVERYONE - {"partner_system"},
    # joint visits: each practitioner's own list of the visits they went on
    ("GET", "/my-visits"): EVERYONE - {"partner_system"},
    # the advice line: the front door and its managers; the world's call is linked to the family,
    # so it is read as the family's record: not by the manager of another team
    ("GET", "/advice-line"): ADVICE_LINE, ("POST", "/advice-line"): ADVICE_LINE,
    ("GET", "/advice-line/<call_id>"): ADVICE_LINE - {"other_manager"},
    ("GET", "/api/v1/imports/<job_id>"): {"analyst", "admin"},
    ("POST", "/api/v1/imports/<job_id>/cancel"): {"analyst", "admin"},
    # partner data feeds: analysts and administrators import (imports.run); the rows the bulk
    # linker was unsure of are decided by the front door (imports.feed_match.resolve)
    ("GET", "/imports/feeds"): {"analyst", "admin"}, ("POST", "/imports/feeds"): {"analyst", "admin"},
    ("GET", "/imports/feeds/sources/new"): {"analyst", "admin"},
    ("POST", "/imports/feeds/sources/new"): {"analyst", "admin"},
    ("GET", "/imports/feeds/sources/<source_id>"): {"analyst", "admin"},
    ("POST", "/imports/feeds/sources/<source_id>"): {"analyst", "admin"},
    ("POST", "/api/v1/feeds/<source_id>/imports"): {"analyst", "admin"},
    ("GET", "/imports/feeds/matches"): {"front_door", "analyst", "admin"},
    ("GET", "/imports/feeds/matches/<match_id>"): {"front_door", "analyst", "admin"},
    ("POST", "/imports/feeds/matches/<match_id>"): {"front_door", "analyst", "admin"},
}
MATRIX.pop(("GET", "/admin/local-criteria/"))


def app_routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_declared_policy(app):
    missing = sorted(app_routes(app) - set(MATRIX))
    stale = sorted(set(MATRIX) - app_routes(app))
    assert not missing, "Routes with no row in the authorisation matrix: " + ", ".join(f"{m} {r}" for m, r in missing)
    assert not stale, "Matrix rows for routes that no longer exist: " + ", ".join(f"{m} {r}" for m, r in stale)


@pytest.fixture
def world(app, api, factory):
    """One family whose case the panel allocated to the North team, reviewing an agreed plan, with
    a request, a consent, a TAF partner who owns an action and a former TAF member who owned
    another, partners of every organisation type (half with the family's consent), and a signed-in
    browser session and API token for every subject."""
    from caseflow.auth.models import User
    from caseflow.core.extensions import db
    from caseflow.notify.services import notify
    from caseflow.plans import taf

    early_help = factory.org("Northshire Early Help")
    school, police = factory.org("Riverside Academy", type="school"), factory.org("Northshire Police", type="police")
    users = {
        "front_door": factory.user("front_door", org=early_help), "panel_chair": factory.user("panel_chair", org=early_help),
        "panel_member": factory.user("panel_member", org=police), "keyworker": factory.user("keyworker", org=early_help, team="North"),
        "other_keyworker": factory.user("keyworker", org=early_help, team="South"),
        "team_manager": factory.user("team_manager", org=early_help),
        "other_manager": factory.user("team_manager", org=early_help, team="East"),
        "social_worker": factory.user("social_worker", org=factory.org("Children's Social Care", type="social_care")),
        "referrer": factory.user("partner", org=school), "taf_partner": factory.user("partner", org=factory.org("CAMHS", type="gp")),
        "removed_taf": factory.user("partner", org=factory.org("Family Action", type="voluntary")),
        "stranger_partner": factory.user("partner", org=factory.org("Northshire Homes", type="housing")),
        "partner_system": factory.user("partner_system", org=police), "analyst": factory.user("analyst", org=early_help),
        "admin": factory.user("admin", org=early_help)}
    for kind in ORG_TYPES:  # a practitioner in an organisation of every type, with and without consent
        for subject in (f"consented_{kind}", f"partner_{kind}"):
            users[subject] = factory.user("partner", org=factory.org(f"{subject} organisation", type=kind))
    tokens = {role: factory.token(user) for role, user in users.items()}
    kw = tokens["keyworker"]
    spare = factory.user("partner", org=school, team="Spare team")  # what the administration rows act on
    factory.token(spare)
    with app.app_context():
        from sqlalchemy import select

        from caseflow.auth.models import ApiToken

        spare_token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == spare.id))
        spare_team_id = db.session.get(User, spare.id).team_id

    created = case_at_panel(api, tokens["referrer"], tokens["front_door"], "Walsh")
    case_id = created["case_id"]
    panel = api.post("/api/v1/panels", tokens["panel_chair"], json={"date": "2026-12-01", "members": [police.id]}).get_json()
    allocated = api.post(f"/api/v1/panels/{panel['id']}/decisions", tokens["panel_chair"], json={
        "case_id": case_id, "decision": "allocate", "keyworker_id": users["keyworker"].id,
        "rationale": "North team has capacity"})
    assert allocated.status_code == 201, allocated.get_json()
    complete_assessment(api, kw, case_id)
    body = plan_body(users["keyworker"].id)
    body["actions"][0]["owner_user_id"] = users["taf_partner"].id
    body["actions"][1]["owner_user_id"] = users["removed_taf"].id
    saved = api.put(f"/api/v1/cases/{case_id}/plan", kw, json=body).get_json()
    assert api.post(f"/api/v1/cases/{case_id}/plan/agree", kw,
                    json={"family_agreed": True, "version": saved["version"]}).status_code == 200
    action_id = next(a["id"] for a in saved["actions"] if a["owner_user_id"] == users["taf_partner"].id)
    member = api.post(f"/api/v1/cases/{case_id}/taf", kw, json={"user_id": users["taf_partner"].id}).get_json()
    former = api.post(f"/api/v1/cases/{case_id}/taf", kw, json={"user_id": users["removed_taf"].id}).get_json()
    with app.app_context():
        taf.remove(db.session.get(User, users["keyworker"].id), case_id, former["id"])
        db.session.commit()  # the test is the entry point here: services never commit
    people = [m["person_id"] for m in members(api, kw, case_id)]
    person_id = people[0]
    for someone in people:  # each member's consent to share with the consented partners' organisations
        given = api.post(f"/api/v1/people/{someone}/consents", kw, json={
            "purpose": "taf_information_sharing", "recipient_organisation_ids": [users[c].organisation_id for c in sorted(CONSENTED)],
            "categories": ["education", "health", "police", "social_care", "finances_employment"],
            "given_by": "Sharon Walsh", "given_by_relationship": "parent_carer", "method": "signed_form",
            "given_on": "2026-01-05"})
        assert given.status_code == 201, given.get_json()
    request_id = created["id"]
    rp_id = api.get(f"/api/v1/requests/{request_id}", tokens["front_door"]).get_json()["people"][0]["id"]
    consent = api.post(f"/api/v1/people/{person_id}/consents", kw, json={
        "purpose": "taf_information_sharing", "recipient_organisation_ids": [school.id], "categories": ["education"],
        "given_by": "Sharon Walsh", "given_by_relationship": "parent_carer", "method": "verbal",
        "given_on": "2026-01-05"}).get_json()
    event = api.post("/api/v1/notifications", tokens["partner_system"], json={
        "type": "police_contact", "occurred_at": "2026-11-20T22:15:00+00:00", "source_reference": "MATRIX-1",
        "people": [{"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2011-06-02",
                    "postcode": "NS1 4AB"}]}).get_json()
    review = api.get("/api/v1/events/review", tokens["front_door"]).get_json()["items"][0]  # no postcode on file
    resolved = api.post(f"/api/v1/events/{event['id']}/review", tokens["front_door"], json={
        "decision": "confirm", "person_id": review["candidates"][0]["candidates"][0]["person_id"]})
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "routed", resolved.get_json()
    with app.app_context():  # a directory service and an advice call about the family
        from caseflow.directory import services as local_services
        from caseflow.frontdoor import advice
        from caseflow.frontdoor.models import RequestForHelp

        service_id = local_services.add(db.session.get(User, users["admin"].id), {
            "name": "Riverside Family Hub", "organisation": "Northshire Council", "offers": "Parenting groups",
            "area": "Riverside"}).id
        request_reference = db.session.get(RequestForHelp, created["id"]).reference
        call_id = advice.record(db.session.get(User, users["front_door"].id), {
            "caller_name": "Mr Hale", "caller_organisation": "Riverside Primary", "question": "Is this early help?",
            "advice": "Yes: make a request.", "request_reference": request_reference}).id
        db.session.commit()
    with app.app_context():
        from caseflow.notify.models import Delivery

        note = notify(users["keyworker"].id, "plan", "matrix:1", "A notification", "For the matrix")
        db.session.flush()
        dead = Delivery(kind="webhook", notification_id=note.id, status="dead", attempts=7)
        db.session.add(dead)
        db.session.commit()
        note_id, delivery_id = note.id, dead.id
    # an Action and Impact panel the case is nominated to, with one agreed action, and a locality
    escalation = api.post("/api/v1/panels", tokens["panel_chair"], json={
        "date": (today_london() + timedelta(days=10)).isoformat(), "kind": "escalation",
        "members": [police.id, users["consented_school"].organisation_id]}).get_json()
    nominated = api.post(f"/api/v1/cases/{case_id}/action-and-impact", kw, json={
        "panel_id": escalation["id"], "stuck": "Attendance stalled", "ask": "School to review the timetable"})
    assert nominated.status_code == 201, nominated.get_json()
    panel_action = api.post(f"/api/v1/panel-nominations/{nominated.get_json()['id']}/actions", tokens["panel_chair"],
                            json={"description": "Review the timetable", "owner_organisation_id": school.id,
                                  "due_on": (today_london() + timedelta(days=20)).isoformat()})
    assert panel_action.status_code == 201, panel_action.get_json()
    with app.app_context():
        from caseflow.panels.models import Locality

        locality = Locality(name="North Herts", cadence="daily")
        db.session.add(locality)
        db.session.commit()
        locality_id = locality.id
    sample = api.post("/api/v1/case-audits/samples", tokens["team_manager"], json={
        "team_id": db_team_id(app, users["keyworker"]), "period_start": "2026-01-01",
        "period_end": today_london().isoformat()})
    assert sample.status_code == 201, sample.get_json()
    # practice tools: a DASH checklist on the case (at the MARAC threshold, so its referral form
    # shows) and the outcome wheel's areas
    with app.app_context():
        from caseflow.practice import wheel
        from caseflow.practice.models import DashChecklist
        from caseflow.practice.vocab import DASH_CODES

        checklist = DashChecklist(case_id=case_id, victim_id=person_id, completed_on=today_london(),
                                  answers={code: "yes" for code in DASH_CODES}, completed_by_id=users["keyworker"].id)
        db.session.add(checklist)
        area_id = wheel.active_areas()[0].id
        db.session.commit()
        checklist_id = checklist.id
    # outcomes: a second family on the programme whose child's attendance is sustained, claimed by
    # a claims run, validated, approved and submitted in this month's batch (tests/outcomes)
    outcome_people = {"referrer": users["referrer"], "officer": users["front_door"], "chair": users["team_manager"],
                      "sam": users["keyworker"]}
    outcome_tokens = {"referrer": tokens["referrer"], "officer": tokens["front_door"],
                      "chair": tokens["team_manager"], "sam": kw}
    _, _, outcome_people_ids = family_on_programme(app, api, outcome_people, outcome_tokens, surname="Okafor")
    attendance(api, kw, outcome_people_ids["child"], [93, 95, 91])
    run = claims_run(api, tokens["analyst"])
    [claim] = claims(api, tokens["analyst"])
    for action, token in (("validate", "analyst"), ("approve", "team_manager")):
        acted = api.post(f"/api/v1/outcomes/claims/{claim['id']}/{action}", tokens[token],
                         json={"version": claim["version"]})
        assert acted.status_code == 200, acted.get_json()
        claim = acted.get_json()
    batch = api.post("/api/v1/outcomes/claims/submissions", tokens["analyst"], json={"month": today_london().strftime("%Y-%m")})
    assert batch.status_code == 201, batch.get_json()
    params = {"sample_id": sample.get_json()["id"], "audit_id": sample.get_json()["audits"][0]["id"],
              "case_id": case_id, "family_id": created["family_id"], "panel_id": panel["id"], "request_id": request_id,
              "person_id": person_id, "consent_id": consent["id"], "notification_id": note_id, "member_id": member["id"],
              "keyworker_id": users["keyworker"].id, "event_id": event["id"], "delivery_id": delivery_id,
              "org_id": school.id, "action_id": action_id, "user_id": spare.id, "token_id": spare_token_id,
              "team_id": spare_team_id, "claim_id": claim["id"], "run_id": run["id"], "batch_id": batch.get_json()["id"],
              "code": "education", "key": "timeliness", "table": "summary",
              "nomination_id": nominated.get_json()["id"], "panel_action_id": panel_action.get_json()["id"],
              "locality_id": locality_id, "escalation_panel_id": escalation["id"], "checklist_id": checklist_id,
              "area_id": area_id, "service_id": service_id,
              "call_id": call_id, "check_in_id": "0" * 32}
    # data identification: a known family, not open to the service, whose partner data shows two
    # problems, identified by a run (tests/identification)
    with app.app_context():
        from tests.identification.helpers import evidence, known_family

        identified_id, identified_people = known_family("Harrow")
        evidence(identified_people["child"], "attendance", 60, users["analyst"].id, value=80.0, end_days_ago=10)
        evidence(identified_people["parent"], "offence", 90, users["analyst"].id)
        db.session.commit()
    identification = api.post("/api/v1/identification/runs", tokens["analyst"], json={})
    assert identification.status_code == 202 and identification.get_json()["identified"] == 1, identification.get_json()
    params["identification_run_id"], params["identified_family_id"] = identification.get_json()["id"], identified_id
    clients = {}
    for number, (role, user) in enumerate(users.items(), start=1):
        client = _https_client(app)
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{number}"  # each subject its own rate-limit bucket
        signed = sign_in(client, user)
        assert signed.status_code == 302, (role, signed.status_code, signed.get_data(as_text=True)[:3000])
        clients[role] = (client, csrf_token(client, "/inbox"))
    # the analyst's pseudonymised extract (tests/reports) and an administrator's dry-run import of
    # the sample bundle (tests/imports): <job_id> is one or the other, by route (_path)
    analyst, analyst_csrf = clients["analyst"]
    extract = analyst.post("/analysis/extracts", data={"csrf_token": analyst_csrf, "purpose": "evaluation",
                                                        "from": "2026-06-01", "to": "2026-08-31"})
    assert extract.status_code == 302, extract.get_data(as_text=True)[:3000]
    params["extract_job_id"] = extract.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    admin, admin_csrf = clients["admin"]
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(SAMPLE.iterdir()):
            archive.write(path, "bundle/" + path.name)
    uploaded = admin.post("/imports", data={"csrf_token": admin_csrf, "source_system": "Northshire EHM", "dry_run": "yes",
                                            "bundle": (io.BytesIO(bundle.getvalue()), "northshire.zip")},
                          content_type="multipart/form-data")
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:3000]
    params["import_job_id"] = uploaded.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    params["source_id"], params["match_id"] = _feed_world(app, admin, admin_csrf, school.id, person_id)
    return params, rp_id, clients, tokens


def _feed_world(app, admin, admin_csrf, school_id: str, person_id: str) -> tuple[str, str]:
    """A partner data feed (saved by the administrator) and one of its rows waiting for the
    front door to decide whether it is about the subject (tests/imports/test_feeds.py)."""
    from caseflow.core.extensions import db
    from caseflow.imports.feeds import default_mapping
    from caseflow.imports.models import FeedKind, FeedMatch, FeedSource

    mapping = {f"map_{name}": heading for name, heading in default_mapping(FeedKind.SCHOOL_ATTENDANCE).items()}
    saved = admin.post("/imports/feeds/sources/new", data={
        "csrf_token": admin_csrf, "step": "mapping", "kind": "school_attendance", "name": "Northshire schools: attendance",
        "organisation_id": school_id, **mapping})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    with app.app_context():
        from sqlalchemy import select

        source_id = db.session.scalar(select(FeedSource.id))
        row = FeedMatch(feed_source_id=source_id, row_key="matrix-row", line=2, status="needs_review",
                        submitted={"given_name": "Leah", "family_name": "Walsh", "date_of_birth": "2012-06-02"},
                        evidence={"kind": "attendance", "period_start": "2025-09-01", "period_end": "2025-12-19",
                                  "value": 91.0, "code": None, "row_id": "P1"},
                        candidates=[{"person_id": person_id, "score": 0.8, "reasons": ["same first name"]}])
        db.session.add(row)
        db.session.commit()
        return source_id, row.id


def db_team_id(app, user) -> str:
    from caseflow.auth.models import User
    from caseflow.core.extensions import db

    with app.app_context():
        return db.session.get(User, user.id).team_id


DESTRUCTIVE_LAST = ["/taf/<member_id>/remove", "/withdraw", "/sign-out"]


def _path(rule: str, params: dict, rp_id: str) -> str:
    if "/contributions" in rule:  # partners contribute to the Action and Impact panel the case is on
        rule = rule.replace("<panel_id>", params["escalation_panel_id"])
    if "/people/<person_id>/match" in rule:
        rule = rule.replace("<person_id>", rp_id)
    if "/identification/" in rule:
        rule = rule.replace("<run_id>", params["identification_run_id"]).replace("<family_id>", params["identified_family_id"])
    job = params["extract_job_id"] if rule.startswith("/analysis/") else params["import_job_id"]
    rule = rule.replace("<job_id>", job)
    for name, value in params.items():
        rule = rule.replace(f"<{name}>", value)
    return rule


def _call(client, token, method, path, csrf):
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.open(path, method=method, headers=headers, json={} if method != "GET" else None)
    data = {"csrf_token": csrf} if method != "GET" and csrf else None
    return client.open(path, method=method, data=data)


@contextmanager
def policy_answers():
    """Every answer the access policy gives while the block runs, as (action, allowed)."""
    from caseflow.core import access as policy

    answers: list[tuple[str, bool]] = []
    original = dict(policy._RULES)

    def listen(action, fn):
        def answered(user, obj):
            decision = fn(user, obj)
            answers.append((action, bool(decision)))
            return decision
        answered.public = getattr(fn, "public", False)
        return answered

    policy._RULES.update({action: listen(action, fn) for action, fn in original.items()})
    try:
        yield answers
    finally:
        policy._RULES.clear()
        policy._RULES.update(original)


def _outcome(status: int, granted: bool) -> str:
    if status >= 500:
        return "error"
    if status in (401, 403):
        return "refused"
    if status < 400 or granted:
        return "allowed"
    return "unproven"  # a 4xx the policy never said yes to: not evidence of being allowed


def test_every_role_gets_exactly_what_the_matrix_declares(world, app):
    params, rp_id, clients, tokens = world
    order = sorted(MATRIX, key=lambda mr: (mr[0] != "GET", any(d in mr[1] for d in DESTRUCTIVE_LAST),
                                           mr[1].endswith("/sign-out"), mr))
    wrong = []
    anonymous = _https_client(app)
    anonymous.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    with policy_answers() as answers:
        for method, rule in order:
            expected = MATRIX[(method, rule)]
            path = _path(rule, params, rp_id)
            for role in ROLES:
                if rule == "/sign-out" and role != ROLES[-1]:
                    continue  # signing out is checked once, last, so the other sessions stay usable
                client, csrf = clients[role]
                answers.clear()
                response = _call(client, tokens[role], method, path, csrf)
                unasked = expected in (PUBLIC, OWN_ACCOUNT)  # a form error there needs no policy's yes
                allowed = unasked or role in expected
                got = _outcome(response.status_code, any(ok for _, ok in answers))
                if allowed and got != "allowed" and not (unasked and got == "unproven"):
                    wrong.append(f"{method} {rule} as {role}: {response.status_code} ({got}, expected allowed)")
                if not allowed and response.status_code != 403:
                    wrong.append(f"{method} {rule} as {role}: {response.status_code} (expected 403)")
            response = _call(anonymous, None, method, path, None)
            anonymous_ok = response.status_code < 500 and (
                expected == PUBLIC or response.status_code == 401 or
                (expected is OPERATOR and response.status_code == 403) or
                (response.status_code == 302 and "/sign-in" in response.headers.get("Location", "")) or
                (method != "GET" and response.status_code == 400))  # a form without a session's CSRF token
            if not anonymous_ok:
                wrong.append(f"{method} {rule} anonymously: {response.status_code}")
    assert not wrong, f"{len(wrong)} outcomes differ from the matrix:\n" + "\n".join(wrong)
