"""Account state changes: creating organisations, users and tokens; signing in with lockout."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from sqlalchemy import func, select

from caseflow.auth.models import ApiToken, Organisation, Team, User
from caseflow.core.roles import OrgType, Role
from caseflow.core import audit
from caseflow.core.database import utcnow
from caseflow.core.errors import NotFound
from caseflow.core.extensions import db

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
# Verifying against a throwaway hash when the email is unknown keeps timing the same either way.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is safe to show."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.")
    return _hasher.hash(password)


def create_organisation(name: str, org_type: str, actor=None, duty_email: str | None = None) -> Organisation:
    name = (name or "").strip()
    if not name:
        raise AccountError("Organisation name is required.")
    try:
        org_type = OrgType(org_type)
    except ValueError:
        raise AccountError(
            f"Organisation type must be one of: {', '.join(t.value for t in OrgType)}."
        ) from None
    if db.session.scalar(select(Organisation).where(Organisation.name == name)):
        raise AccountError(f"An organisation called '{name}' already exists.")
    org = Organisation(name=name, type=org_type, duty_email=duty_email)
    db.session.add(org)
    db.session.flush()
    audit.record(actor or "cli", "organisation.create", "organisation", org.id)
    return org


def find_organisation(name_or_id: str) -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(
            (Organisation.id == name_or_id) | (func.lower(Organisation.name) == name_or_id.lower())
        )
    )


def create_team(name: str, organisation: Organisation, actor=None) -> Team:
    team = Team(name=name.strip(), organisation_id=organisation.id)
    db.session.add(team)
    db.session.flush()
    audit.record(actor or "cli", "team.create", "team", team.id)
    return team


def create_user(email: str, name: str, role: str, org_name: str, password: str | None = None,
                team: Team | None = None, actor=None) -> tuple[User, str | None]:
    """Returns the user and, if no password was given, a generated one to hand over once."""
    email = (email or "").strip().lower()
    if "@" not in email:
        raise AccountError("A valid email address is required.")
    if not (name or "").strip():
        raise AccountError("Name is required.")
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"Role must be one of: {', '.join(r.value for r in Role)}.") from None
    org = find_organisation(org_name or "")
    if org is None:
        raise AccountError(f"No organisation called '{org_name}'. Create it with 'caseflow orgs create'.")
    if db.session.scalar(select(User).where(User.email == email)):
        raise AccountError(f"A user with email {email} already exists.")
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    user = User(email=email, name=name.strip(), role=role, organisation_id=org.id,
                team_id=team.id if team else None, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor or "cli", "user.create", "user", user.id)
    return user, generated


@dataclass
class SignInResult:
    user: User | None
    error: str | None = None


GENERIC_SIGN_IN_ERROR = "Enter a correct email address and password."


def authenticate(email: str, password: str) -> SignInResult:
    """Check a password, counting failures; lock the account after too many in a row."""
    settings = current_app.extensions["caseflow.settings"]
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    now = utcnow()
    if user is None or not user.password_hash:
        _verify(_DUMMY_HASH, password)
        audit.record(email or "anonymous", "auth.sign_in_failed", "user", None)
        return SignInResult(None, GENERIC_SIGN_IN_ERROR)
    # A locked account answers exactly as an unknown email or a wrong password does (the
    # password is still checked, so the time taken is the same too): "locked" would tell an
    # attacker which emails have accounts. The holder learns of the lock from an administrator.
    if user.locked_until and user.locked_until > now:
        _verify(user.password_hash, password)
        audit.record(user, "auth.sign_in_refused_locked", "user", user.id)
        return SignInResult(None, GENERIC_SIGN_IN_ERROR)
    if not _verify(user.password_hash, password):
        _count_failure(user, settings, now, "auth.sign_in_failed")
        return SignInResult(None, GENERIC_SIGN_IN_ERROR)
    if not user.is_active:
        audit.record(user, "auth.sign_in_refused_inactive", "user", user.id)
        return SignInResult(None, "This account has been deactivated.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(user, "auth.sign_in", "user", user.id)
    return SignInResult(user)


def _count_failure(user: User, settings, now, action: str) -> None:
    """One more wrong password or two-factor code in a row; the threshold-th locks the account."""
    user.failed_login_count = (user.failed_login_count or 0) + 1
    if user.failed_login_count >= settings.lockout_threshold:
        user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        user.failed_login_count = 0
        audit.record(user, "auth.account_locked", "user", user.id)
    else:
        audit.record(user, action, "user", user.id)


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > utcnow())


def check_second_factor(user_id: str, code: str | None) -> User | None:
    """The two-factor step of a sign-in: the user when the code is right, unused and the account
    is not locked; None otherwise. Wrong codes count towards the lock like wrong passwords (a
    password alone must not buy unlimited guesses at six digits). The user's row is locked so
    two requests with the same code cannot both be accepted."""
    from caseflow.auth import two_factor

    settings = current_app.extensions["caseflow.settings"]
    user = db.session.scalar(  # of=User: the joined organisation is not locked (nor lockable)
        select(User).where(User.id == user_id).with_for_update(of=User)
        .execution_options(populate_existing=True)) if user_id else None
    if user is None:
        audit.record("anonymous", "auth.two_factor_failed", "user", user_id)
        return None
    if is_locked(user):
        audit.record(user, "auth.sign_in_refused_locked", "user", user.id)
        return None
    if not user.is_active or not two_factor.accept_code(user, code):
        _count_failure(user, settings, utcnow(), "auth.two_factor_failed")
        return None
    user.failed_login_count = 0
    audit.record(user, "auth.sign_in_two_factor", "user", user.id)
    return user


def end_sessions(user: User) -> None:
    """Sign-out: the session version moves on, so this session's cookie, and any copy of it,
    loads no one from now on (sessions are signed cookies the server cannot delete). The
    person's sessions on other devices end with it."""
    user.session_version = (user.session_version or 0) + 1


def _verify(hash_: str, password: str) -> bool:
    try:
        return _hasher.verify(hash_, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- API tokens -------------------------------------------------------------------------------

def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(email: str, actor=None) -> tuple[ApiToken, str]:
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise AccountError(f"No user with email {email}.")
    token = "cf_" + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_hash=_token_digest(token), prefix=token[:10])
    db.session.add(record)
    db.session.flush()
    audit.record(actor or "cli", "token.create", "api_token", record.id)
    return record, token


def user_for_token(token: str) -> User | None:
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if record is None or record.revoked_at is not None or not record.user.is_active:
        return None
    now = utcnow()
    # Recorded to the minute: writing it on every call would make a partner system's concurrent
    # requests queue on this one row.
    if record.last_used_at is None or now - record.last_used_at > timedelta(minutes=1):
        record.last_used_at = now
    return record.user


# --- passwords --------------------------------------------------------------------------------

MAX_PASSWORD_LENGTH = 256  # long passphrases are welcome; megabytes to hash are not


def new_password_problem(password: str | None, confirm: str | None) -> str | None:
    """What is wrong with a chosen password, in the Design System's words, or None."""
    if not password:
        return "Enter a new password"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    if "\x00" in password:
        return "Password must not contain control characters"
    if password != (confirm or ""):
        return "Enter the same password twice"
    return None


def change_password(user: User, current: str | None, new: str | None, confirm: str | None) -> User:
    """The holder changes their own password: every other session they have ends (the session
    version moves on; the caller signs the current session in again under the new version)."""
    from caseflow.core.errors import ServiceValidationError

    errors: dict[str, list[str]] = {}
    if not current or not _verify(user.password_hash or _DUMMY_HASH, current[:MAX_PASSWORD_LENGTH]):
        errors["current_password"] = ["Enter your current password correctly"]
    problem = new_password_problem(new, confirm)
    if problem:
        errors["new_password" if "same password" not in problem else "confirm_password"] = [problem]
    elif current and new == current:
        errors["new_password"] = ["Choose a password different from your current one"]
    if errors:
        audit.record(user, "auth.password_change_failed", "user", user.id)
        raise ServiceValidationError("Some answers need changing.", errors)
    user.password_hash = _hasher.hash(new)
    user.must_change_password = False
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()
    audit.record(user, "auth.password_changed", "user", user.id, purpose="other sessions signed out")
    return user


def issue_temporary_password(user: User) -> str:
    """A generated password to hand over once; it must be changed at first sign-in, and any
    session the account had ends."""
    temporary = secrets.token_urlsafe(12)
    user.password_hash = _hasher.hash(temporary)
    user.must_change_password = True
    user.session_version = (user.session_version or 0) + 1
    user.failed_login_count = 0
    user.locked_until = None
    return temporary


def revoke_token(record: ApiToken) -> None:
    if record.revoked_at is None:
        record.revoked_at = utcnow()


# --- the directory: organisations, teams and staff, for pick-lists and names on pages -----------
# Staff and organisations are not families' personal data: pages list them without a policy
# check, but always through these, never by querying the session themselves.

def organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def get_organisation(org_id: str) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound("No organisation with that id.")
    return org


def find_organisation_by_id(org_id: str | None) -> Organisation | None:
    return db.session.get(Organisation, org_id) if org_id else None


def teams(organisation_id: str | None = None) -> list[Team]:
    query = select(Team).order_by(Team.name)
    if organisation_id is not None:
        query = query.where(Team.organisation_id == organisation_id)
    return list(db.session.scalars(query))


def tokens_of(user_id: str) -> list[ApiToken]:
    """A person's API tokens, newest first (for the administrator who may revoke them)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                   .order_by(ApiToken.created_at.desc())))


def get_user(user_id: str | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None


def users_by_id(user_ids) -> dict[str, User]:
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def active_staff(*roles: str, organisation_id: str | None = None) -> list[User]:
    """Active accounts, by name: of these roles (all when none is named), of one organisation."""
    query = select(User).where(User.active).order_by(User.name)
    if roles:
        query = query.where(User.role.in_(roles))
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return list(db.session.scalars(query))
