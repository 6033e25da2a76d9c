"""Administration pages (policy: admin.users.manage, admin.orgs.manage, admin.tokens.manage).

Each page parses the form, calls a service in a savepoint (caseflow.web.submit) and renders; the
request commits. A password or secret made here is shown once, on the page that answers the
POST, and never stored anywhere it could be shown again."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.auth import administration
from caseflow.auth import services as directory
from caseflow.core.errors import ServiceValidationError
from caseflow.core.roles import ORG_TYPE_LABELS, ROLE_LABELS
from caseflow.notify import partners
from caseflow.web.submit import attempt, submit

bp = Blueprint("admin", __name__, template_folder="templates")

PERSON_FIELDS = ("name", "email", "role", "organisation_id", "team_id", "caseload_capacity")
ORG_FIELDS = ("name", "type", "duty_email", "webhook_url")


def _raw(fields) -> dict:
    return {name: request.form.get(name, "") for name in fields}


def _organisations_and_teams():
    organisations = directory.organisations()
    teams = directory.teams()
    names = {o.id: o.name for o in organisations}
    return ([(o.id, o.name) for o in organisations],
            [(t.id, f"{t.name} ({names.get(t.organisation_id, '')})") for t in teams])


# --- people -----------------------------------------------------------------------------------

@bp.route("/admin/users", methods=["GET", "POST"])
@login_required
def users():
    if request.method == "POST":
        user_id = request.form.get("user_id", "")

        def change():
            administration.update_access(current_user, user_id, request.form.get("role"),
                                         request.form.get("active") == "yes")
            if request.form.get("reset_two_factor") == "yes":
                administration.reset_two_factor(current_user, user_id)

        done, exc = attempt(lambda: change() or True)
        if done:
            flash("Account updated.", "success")
        else:
            flash(next(iter(exc.fields.values()))[0], "error")
        return redirect(url_for("admin.users"))
    return render_template("admin/users.html", users=administration.list_users(current_user), roles=ROLE_LABELS,
                           title="People and roles")


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def add_person():
    administration.may_manage(current_user, "admin.users.manage")
    errors = {}
    if request.method == "POST":
        done, errors = submit(lambda: administration.add_person(current_user, _raw(PERSON_FIELDS)))
        if done is not None:
            user, temporary = done
            return render_template("admin/password_shown.html", person=user, password=temporary, new=True,
                                   title=f"Account created for {user.name}")
    organisations, teams = _organisations_and_teams()
    return render_template("admin/person_form.html", person=None, form=request.form, errors=errors,
                           organisations=organisations, teams=teams, roles=ROLE_LABELS,
                           title="Add a person"), (400 if errors else 200)


@bp.route("/admin/users/<user_id>", methods=["GET", "POST"])
@login_required
def person(user_id):
    person = administration.view_user(current_user, user_id)
    errors = {}
    if request.method == "POST":
        done, errors = submit(lambda: administration.update_person(current_user, user_id, _raw(PERSON_FIELDS)))
        if done is not None:
            flash(f"{done.name}'s details are saved.", "success")
            return redirect(url_for("admin.person", user_id=user_id))
    organisations, teams = _organisations_and_teams()
    tokens = person_tokens(person.id)
    return render_template("admin/person.html", person=person, form=request.form, errors=errors,
                           organisations=organisations, teams=teams, roles=ROLE_LABELS, tokens=tokens,
                           title=person.name), (400 if errors else 200)


def person_tokens(user_id: str):
    return directory.tokens_of(user_id)


@bp.route("/admin/users/<user_id>/reset-password", methods=["POST"])
@login_required
def reset_password(user_id):
    done, exc = attempt(lambda: administration.reset_password(current_user, user_id))
    if done is None:
        flash(next(iter(exc.fields.values()))[0], "error")
        return redirect(url_for("admin.person", user_id=user_id))
    user, temporary = done
    return render_template("admin/password_shown.html", person=user, password=temporary, new=False,
                           title=f"New password for {user.name}")


@bp.route("/admin/users/<user_id>/reset-two-factor", methods=["POST"])
@login_required
def reset_two_factor(user_id):
    done, exc = attempt(lambda: administration.reset_two_factor(current_user, user_id))
    if done is None:
        flash(next(iter(exc.fields.values()))[0], "error")
    else:
        flash(f"Two-factor sign-in is reset: {done.name} sets up their authenticator app again at next sign-in.",
              "success")
    return redirect(url_for("admin.person", user_id=user_id))


# --- organisations and teams ------------------------------------------------------------------

@bp.route("/admin/organisations")
@login_required
def organisations():
    orgs = administration.list_organisations(current_user)
    teams = directory.teams()
    by_org: dict[str, list] = {}
    for team in teams:
        by_org.setdefault(team.organisation_id, []).append(team)
    return render_template("admin/organisations.html", orgs=orgs, teams=by_org, types=ORG_TYPE_LABELS,
                           title="Organisations and teams")


def _save_organisation(org_id: str | None):
    """The organisation's name and type (auth), then its duty email and webhook (notify): every
    problem with either shown at once, nothing saved unless all of it is right."""
    raw = _raw(ORG_FIELDS)
    errors: dict[str, list[str]] = {}
    try:
        org = administration.save_organisation(current_user, org_id, raw)
    except ServiceValidationError as exc:
        errors.update(exc.fields)
        org = directory.find_organisation_by_id(org_id)
    secret = None
    if org is not None and not {"duty_email", "webhook_url"} & set(errors):
        try:
            org, secret = partners.configure(current_user, org.id, {"duty_email": raw["duty_email"],
                                                                    "webhook_url": raw["webhook_url"]})
        except ServiceValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ServiceValidationError("Some answers need changing.", errors)
    return org, secret


def _saved(org, secret, *, title: str, message: str):
    """After an organisation is saved: a new webhook secret is shown once, on this answer;
    otherwise back to the organisation's page."""
    if secret:
        return render_template("admin/secret_shown.html", org=org, secret=secret, title=title)
    flash(message, "success")
    return redirect(url_for("admin.organisation", org_id=org.id))


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@login_required
def add_organisation():
    administration.may_manage(current_user, "admin.orgs.manage")
    errors = {}
    if request.method == "POST":
        done, errors = submit(lambda: _save_organisation(None))
        if done is not None:
            return _saved(*done, title=f"{done[0].name} added", message=f"{done[0].name} added. Add its teams below.")
    return render_template("admin/organisation_form.html", org=None, form=request.form, errors=errors,
                           types=ORG_TYPE_LABELS, title="Add an organisation"), (400 if errors else 200)


@bp.route("/admin/organisations/<org_id>", methods=["GET", "POST"])
@login_required
def organisation(org_id):
    org = administration.view_organisation(current_user, org_id)
    errors = {}
    if request.method == "POST":
        done, errors = submit(lambda: _save_organisation(org_id))
        if done is not None:
            return _saved(*done, title=f"{done[0].name} saved", message=f"{done[0].name} is saved.")
        org = directory.find_organisation_by_id(org_id)
    teams = directory.teams(organisation_id=org_id)
    return render_template("admin/organisation_form.html", org=org, teams=teams, form=request.form, errors=errors,
                           types=ORG_TYPE_LABELS, title=org.name), (400 if errors else 200)


@bp.route("/admin/organisations/<org_id>/teams", methods=["POST"])
@bp.route("/admin/organisations/<org_id>/teams/<team_id>", methods=["POST"])
@login_required
def save_team(org_id, team_id=None):
    done, errors = submit(lambda: administration.save_team(current_user, org_id, team_id,
                                                           {"team_name": request.form.get("team_name", "")}))
    if done is not None:
        flash(f"Team {done.name} saved.", "success")
    else:
        flash(next(iter(errors.values())), "error")
    return redirect(url_for("admin.organisation", org_id=org_id))


# --- API tokens -------------------------------------------------------------------------------

@bp.route("/admin/tokens")
@login_required
def tokens():
    return render_template("admin/tokens.html", tokens=administration.list_tokens(current_user),
                           title="API tokens")


@bp.route("/admin/tokens/<token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    done, exc = attempt(lambda: administration.revoke(current_user, token_id))
    if done is None:
        flash(next(iter(exc.fields.values()))[0], "error")
    else:
        flash(f"Token {done.prefix}… is revoked: every API call with it is now refused.", "success")
    return redirect(request.form.get("back") if request.form.get("back", "").startswith("/admin/")
                    else url_for("admin.tokens"))
