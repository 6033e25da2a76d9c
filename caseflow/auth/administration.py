"""Administration of people, organisations, teams and API tokens, from the web pages.

Every function asks the policy first (admin.users.manage, admin.orgs.manage,
admin.tokens.manage), checks its input into field errors (never a database error), records what
it changed in the audit trail and only flushes: the request commits.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select

from caseflow.auth.models import ApiToken, Organisation, Team, User
from caseflow.auth.services import create_user, issue_temporary_password, revoke_token
from caseflow.core import audit
from caseflow.core.access import require
from caseflow.core.errors import NotFound, ServiceValidationError
from caseflow.core.extensions import db
from caseflow.core.roles import OrgType, Role

PURPOSE = "administration"
MAX_CAPACITY = 100
# Letters, spaces and punctuation are fine; control characters (NUL above all: PostgreSQL
# refuses it) never belong in a name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _id(raw_id: str | None) -> str | None:
    """An id from a URL or form, if it can be one; otherwise None (audited as no object)."""
    raw_id = (raw_id or "").strip()
    return raw_id if raw_id and len(raw_id) <= 32 and not _CONTROL.search(raw_id) else None


def _get(model, raw_id: str | None):
    """The row with this id, or None for anything that cannot be an id (too long, control
    characters: a NUL in a URL or a form would otherwise reach PostgreSQL and fail there)."""
    raw_id = _id(raw_id)
    return db.session.get(model, raw_id) if raw_id else None


def _clean(raw: dict, name: str, label: str, errors: dict, *, max_length: int = 200,
           required: bool = True) -> str | None:
    value = (raw.get(name) or "").strip()
    if not value:
        if required:
            errors[name] = [f"Enter {label}"]
        return None
    if _CONTROL.search(value):
        errors[name] = [f"{label[0].upper()}{label[1:]} must not contain control characters"]
    elif len(value) > max_length:
        errors[name] = [f"{label[0].upper()}{label[1:]} must be {max_length} characters or fewer"]
    return value


def _email(raw: dict, name: str, label: str, errors: dict, required: bool = True) -> str | None:
    value = _clean(raw, name, label, errors, max_length=254, required=required)
    if value and name not in errors and not _EMAIL.match(value):
        errors[name] = ["Enter an email address in the correct format, like name@example.gov.uk"]
    return value.lower() if value else None


def _team_for(raw: dict, org: Organisation | None, errors: dict) -> Team | None:
    team_id = (raw.get("team_id") or "").strip()
    if not team_id:
        return None
    team = _get(Team, team_id)
    if team is None or org is None or team.organisation_id != org.id:
        errors["team_id"] = ["Choose a team in the person's organisation"]
        return None
    return team


def _capacity(raw: dict, errors: dict) -> int | None:
    value = (raw.get("caseload_capacity") or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 0 <= int(value) <= MAX_CAPACITY:
        errors["caseload_capacity"] = [f"Caseload capacity must be a whole number from 0 to {MAX_CAPACITY}"]
        return None
    return int(value)


def _user(user_id: str) -> User:
    user = _get(User, user_id)
    if user is None:
        raise NotFound("No such person.")
    return user


def may_manage(actor, action: str) -> None:
    """A blank form to add something: refused (and audited) unless the actor may."""
    require(actor, action, object_type="form", purpose=PURPOSE, audit=False)


# --- people -----------------------------------------------------------------------------------

def list_users(actor) -> list[User]:
    require(actor, "admin.users.manage", object_type="user_list", purpose=PURPOSE)
    return list(db.session.scalars(select(User).order_by(User.name)))


def view_user(actor, user_id: str) -> User:
    require(actor, "admin.users.manage", object_type="user", object_id=_id(user_id), purpose=PURPOSE)
    return _user(user_id)


def add_person(actor, raw: dict) -> tuple[User, str]:
    """A new account with a generated password to hand over once: the person must choose their
    own at first sign-in."""
    require(actor, "admin.users.manage", object_type="user", purpose=PURPOSE)
    errors: dict[str, list[str]] = {}
    name = _clean(raw, "name", "their full name", errors)
    email = _email(raw, "email", "their email address", errors)
    role = raw.get("role") or ""
    if role not in {r.value for r in Role}:
        errors["role"] = ["Choose a role"]
    org = _get(Organisation, raw.get("organisation_id"))
    if org is None:
        errors["organisation_id"] = ["Choose the organisation they work for"]
    team = _team_for(raw, org, errors)
    capacity = _capacity(raw, errors)
    if email and "email" not in errors and db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        errors["email"] = ["Someone already has an account with this email address"]
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    user, temporary = create_user(email, name, role, org.id, None, team=team, actor=actor)
    user.must_change_password = True  # create_user audited the new account
    if capacity is not None:
        user.caseload_capacity = capacity
    db.session.flush()
    return user, temporary


def update_access(actor, user_id: str, role: str | None, active: bool) -> User:
    """A person's role, and whether their account is switched on."""
    require(actor, "admin.users.manage", object_type="user", object_id=_id(user_id), purpose=PURPOSE)
    user = _user(user_id)
    if role not in {r.value for r in Role}:
        raise ServiceValidationError("Choose a role.", {"role": ["Choose a role from the list"]})
    if user.id == actor.id and (role != user.role or not active):
        raise ServiceValidationError("You cannot change your own access.", {"role": [
            "Ask another administrator to change your own role or deactivate you"]})
    changes = []
    if role != user.role:
        changes.append(f"role {user.role} -> {role}")
        user.role = role
    if active != user.active:
        changes.append("activated" if active else "deactivated")
        user.active = active
    audit.record(actor, "users.update", "user", user.id, purpose="; ".join(changes)[:120] or "no change")
    return user


def update_person(actor, user_id: str, raw: dict) -> User:
    """Name, organisation, team and caseload capacity."""
    require(actor, "admin.users.manage", object_type="user", object_id=_id(user_id), purpose=PURPOSE)
    user = _user(user_id)
    errors: dict[str, list[str]] = {}
    name = _clean(raw, "name", "their full name", errors)
    org = _get(Organisation, raw.get("organisation_id"))
    if org is None:
        errors["organisation_id"] = ["Choose the organisation they work for"]
    team = _team_for(raw, org, errors)
    capacity = _capacity(raw, errors)
    if capacity is None and "caseload_capacity" not in errors:
        errors["caseload_capacity"] = [f"Enter a caseload capacity from 0 to {MAX_CAPACITY}"]
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    changes = []
    for field, value in (("name", name), ("organisation_id", org.id), ("team_id", team.id if team else None),
                         ("caseload_capacity", capacity)):
        if getattr(user, field) != value:
            changes.append(field if field == "name" else f"{field} {getattr(user, field)} -> {value}")
            setattr(user, field, value)
    db.session.flush()
    audit.record(actor, "admin.user.updated", "user", user.id, purpose="; ".join(changes)[:200] or "no change")
    return user


def reset_password(actor, user_id: str) -> tuple[User, str]:
    """A new generated password, shown once; the person must change it when they sign in, and is
    signed out everywhere now."""
    require(actor, "admin.users.manage", object_type="user", object_id=_id(user_id), purpose=PURPOSE)
    user = _user(user_id)
    if user.id == actor.id:
        raise ServiceValidationError("Change your own password from your account.", {"_form": [
            "Change your own password from 'Change password' at the top of the page"]})
    temporary = issue_temporary_password(user)
    db.session.flush()
    audit.record(actor, "admin.user.password_reset", "user", user.id, purpose="temporary password issued")
    return user, temporary


def reset_two_factor(actor, user_id: str) -> User:
    """For a lost phone: the person sets up their authenticator app again at next sign-in."""
    require(actor, "admin.users.manage", object_type="user", object_id=_id(user_id), purpose=PURPOSE)
    user = _user(user_id)
    if user.totp_enabled_at is None:
        raise ServiceValidationError("Two-factor sign-in is not set up.", {"_form": [
            f"{user.name} has not set up two-factor sign-in, so there is nothing to reset"]})
    user.totp_secret = user.totp_enabled_at = None
    user.session_version = (user.session_version or 0) + 1  # whoever has the old phone is signed out
    db.session.flush()
    audit.record(actor, "admin.user.two_factor_reset", "user", user.id)
    return user


# --- organisations and teams ------------------------------------------------------------------

def list_organisations(actor) -> list[Organisation]:
    require(actor, "admin.orgs.manage", object_type="organisation_list", purpose=PURPOSE)
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def view_organisation(actor, org_id: str) -> Organisation:
    require(actor, "admin.orgs.manage", object_type="organisation", object_id=_id(org_id), purpose=PURPOSE)
    org = _get(Organisation, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    return org


def save_organisation(actor, org_id: str | None, raw: dict) -> Organisation:
    """Add an organisation (org_id None) or change its name and type. Its duty email and
    webhook are notification settings (caseflow.notify.partners), saved by the same form."""
    require(actor, "admin.orgs.manage", object_type="organisation", object_id=_id(org_id), purpose=PURPOSE)
    org = None
    if org_id:
        org = _get(Organisation, org_id)
        if org is None:
            raise NotFound("No such organisation.")
    errors: dict[str, list[str]] = {}
    name = _clean(raw, "name", "the organisation's name", errors)
    # Only their size and characters here (the columns' limits); what makes a good duty email
    # or webhook address is checked where they are saved (caseflow.notify.partners).
    _clean(raw, "duty_email", "the duty email address", errors, max_length=254, required=False)
    _clean(raw, "webhook_url", "the webhook address", errors, max_length=500, required=False)
    org_type = raw.get("type") or ""
    if org_type not in {t.value for t in OrgType}:
        errors["type"] = ["Choose the type of organisation"]
    if name and "name" not in errors:
        clash = db.session.scalar(select(Organisation.id).where(func.lower(Organisation.name) == name.lower()))
        if clash and (org is None or clash != org.id):
            errors["name"] = ["There is already an organisation with this name"]
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    if org is None:
        org = Organisation(name=name, type=org_type)
        db.session.add(org)
        db.session.flush()
        audit.record(actor, "organisation.create", "organisation", org.id, purpose=f"type {org_type}")
    else:
        changes = [f for f, v in (("name", name), ("type", org_type)) if getattr(org, f) != v]
        org.name, org.type = name, org_type
        db.session.flush()
        audit.record(actor, "admin.organisation.updated", "organisation", org.id,
                     purpose=", ".join(changes) or "no change")
    return org


def save_team(actor, org_id: str, team_id: str | None, raw: dict) -> Team:
    """Add a team to an organisation, or rename one."""
    org = view_organisation(actor, org_id)
    errors: dict[str, list[str]] = {}
    name = _clean(raw, "team_name", "the team's name", errors)
    if name and "team_name" not in errors:
        clash = db.session.scalar(select(Team.id).where(Team.organisation_id == org.id,
                                                        func.lower(Team.name) == name.lower()))
        if clash and clash != team_id:
            errors["team_name"] = [f"{org.name} already has a team with this name"]
    team = None
    if team_id:
        team = _get(Team, team_id)
        if team is None or team.organisation_id != org.id:
            raise NotFound("No such team in this organisation.")
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    if team is None:
        team = Team(name=name, organisation_id=org.id)
        db.session.add(team)
        db.session.flush()
        audit.record(actor, "team.create", "team", team.id, purpose=f"in {org.id}")
    else:
        team.name = name
        db.session.flush()
        audit.record(actor, "admin.team.renamed", "team", team.id)
    return team


# --- API tokens -------------------------------------------------------------------------------

def list_tokens(actor) -> list[ApiToken]:
    require(actor, "admin.tokens.manage", object_type="api_token_list", purpose=PURPOSE)
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None),
                                                             ApiToken.created_at.desc())))


def revoke(actor, token_id: str) -> ApiToken:
    """From now on the token is refused (401) on every API call."""
    require(actor, "admin.tokens.manage", object_type="api_token", object_id=_id(token_id), purpose=PURPOSE)
    record = _get(ApiToken, token_id)
    if record is None:
        raise NotFound("No such API token.")
    if record.revoked_at is not None:
        raise ServiceValidationError("Already revoked.", {"_form": [f"Token {record.prefix}… was already revoked"]})
    revoke_token(record)
    db.session.flush()
    audit.record(actor, "admin.token.revoked", "api_token", record.id, purpose=f"token of {record.user_id}")
    return record
