"""Consent and sharing pages: record and withdraw consent, record a lawful basis, break glass,
and the managers' report. Views parse forms and call caseflow.consent.records."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from caseflow.auth import services as directory
from caseflow.core.roles import ORG_TYPE_LABELS, Role
from caseflow.core.vocab import CATEGORY_LABELS
from caseflow.agreements.services import in_force_today
from caseflow.consent import consent_form, records, vocab
from caseflow.core.access import require
from caseflow.readmodels import family_view as families
from caseflow.web.forms import parse_date, text
from caseflow.web.submit import submit

bp = Blueprint("consent", __name__, template_folder="templates")


def _recipients(form) -> dict:
    return {"recipient_organisation_ids": form.getlist("recipient_organisation_ids"),
            "recipient_organisation_types": form.getlist("recipient_organisation_types"),
            "categories": form.getlist("categories")}


def _choices():
    orgs = directory.organisations()
    return {"orgs": orgs, "org_types": ORG_TYPE_LABELS, "vocab": vocab, "category_labels": CATEGORY_LABELS}


@bp.route("/families/<family_id>/consents", methods=["GET", "POST"])
@login_required
def consents(family_id):
    view = families.view_family(current_user, family_id, purpose="consent records")
    existing, bases = records.for_family(current_user, family_id)
    errors, form = {}, request.form
    if request.method == "POST":
        given, given_error = parse_date(form, "given_on", "Date consent was given")
        expires, expires_error = parse_date(form, "expires_on", "Expiry date")
        early = {k: [v] for k, v in (("given_on", given_error), ("expires_on", expires_error)) if v}
        raw = {"purpose": text(form, "purpose"), **_recipients(form), "given_by": text(form, "given_by"),
               "given_by_person_id": text(form, "given_by_person_id"), "also_covers": form.getlist("also_covers"),
               "given_by_relationship": text(form, "given_by_relationship"),
               "competence_note": text(form, "competence_note"), "method": text(form, "method"),
               "given_on": given, "expires_on": expires}
        raw = {k: v for k, v in raw.items() if v is not None}
        person_id = form.get("person_id", "")
        if not person_id:  # say so together with anything else missing
            early = {**records.consent_problems(raw), **early, "person_id": ["Choose whose information this is"]}
        done, errors = submit(lambda: records.record_consent(current_user, person_id, raw), early or None)
        if done is not None:
            flash("Consent recorded.", "success")
            return redirect(url_for("consent.consents", family_id=family_id))
    return render_template("consent/consents.html", view=view, consents=existing, bases=bases, errors=errors,
                           form=form, title=f"Consent and sharing, {view.family.display_name}", **_choices()), \
        (400 if errors else 200)


@bp.route("/consents/<consent_id>/withdraw", methods=["POST"])
@login_required
def withdraw(consent_id):
    done, errors = submit(lambda: records.withdraw(current_user, consent_id, {"reason": text(request.form, "reason")}))
    flash("Consent withdrawn: sharing under it stopped now." if done else next(iter(errors.values())),
          "success" if done else "error")
    return redirect(url_for("consent.consents", family_id=request.form.get("family_id", "")) if request.form.get("family_id")
                    else url_for("auth.index"))


@bp.route("/families/<family_id>/lawful-bases", methods=["GET", "POST"])
@login_required
def lawful_basis(family_id):
    view = families.view_family(current_user, family_id, purpose="lawful basis")
    records.for_family(current_user, family_id)  # the people working with the family, not partners
    managers = directory.active_staff(Role.TEAM_MANAGER)
    errors, form = {}, request.form
    if request.method == "POST":
        review, review_error = parse_date(form, "review_on", "Review date")
        raw = {"basis": text(form, "basis"), "justification": text(form, "justification"), **_recipients(form),
               "approved_by_id": text(form, "approved_by_id"), "review_on": review,
               "person_ids": form.getlist("person_ids"), "agreement_id": text(form, "agreement_id")}
        done, errors = submit(lambda: records.record_lawful_basis(current_user, family_id, {k: v for k, v in raw.items() if v is not None}),
                              {"review_on": [review_error]} if review_error else None)
        if done is not None:
            flash("Lawful basis recorded. It is on the managers' sharing report.", "success")
            return redirect(url_for("consent.consents", family_id=family_id))
    agreements = in_force_today()
    return render_template("consent/lawful_basis.html", view=view, managers=managers, errors=errors, form=form,
                           agreements=agreements, title=f"Share without consent, {view.family.display_name}",
                           **_choices()), (400 if errors else 200)


@bp.route("/families/<family_id>/break-glass", methods=["GET", "POST"])
@login_required
def break_glass(family_id):
    require(current_user, "break_glass.use", object_type="family", object_id=family_id, audit=False)
    errors, form = {}, request.form
    if request.method == "POST":
        done, errors = submit(lambda: records.break_glass(current_user, family_id, {"reason": text(form, "reason")}))
        if done is not None:
            flash("Break-glass access granted for a short time. Every other manager has been told.", "success")
            return redirect(url_for("families.show", family_id=family_id))
    return render_template("consent/break_glass.html", family_id=family_id, errors=errors, form=form,
                           title="Break glass"), (400 if errors else 200)


@bp.route("/reports/access")
@login_required
def access_report():
    bases, glass, stopped = records.access_report(current_user)
    from caseflow.notify.vocab import EVENT_TYPES, RECIPIENTS

    return render_template("consent/access_report.html", bases=bases, glass=glass, stopped=stopped, vocab=vocab,
                           event_types=EVENT_TYPES, recipients=RECIPIENTS,
                           title="Sharing without consent and break-glass")


@bp.route("/people/<person_id>/subject-access.pdf")
@login_required
def subject_access_pdf(person_id):
    from flask import Response

    from caseflow.readmodels import subject_access as sar

    document = sar.export_pdf(sar.export(current_user, person_id))
    return Response(document, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="subject-access.pdf"'})


# --- the common consent form and its signed copy -----------------------------------------------

@bp.route("/consents/<consent_id>/form.pdf")
@login_required
def consent_form_pdf(consent_id):
    consent, family, people, org_names = records.consent_for_form(current_user, consent_id)
    document = consent_form.consent_form_pdf(consent, family, people, org_names)
    return Response(document, mimetype="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="consent-form.pdf"'})


def _consent_page(consent_id, errors=None, status=200):
    consents, _ = records.for_family(current_user, _family_of(consent_id))
    consent = next(c for c in consents if c.id == consent_id)
    view = families.view_family(current_user, consent.family_id, purpose="consent records")
    return render_template("consent/signed_copy.html", consent=consent, view=view, errors=errors or {},
                           max_mb=records.SIGNED_COPY_MAX_BYTES // 1_000_000, vocab=vocab,
                           title="Attach the signed consent form"), status


def _family_of(consent_id: str) -> str:
    return records.family_of_consent(consent_id)


@bp.route("/consents/<consent_id>/signed-copy", methods=["GET", "POST"])
@login_required
def signed_copy(consent_id):
    if request.method == "POST":
        upload = request.files.get("signed_copy")
        content = upload.read(records.SIGNED_COPY_MAX_BYTES + 1) if upload else None
        done, errors = submit(lambda: records.attach_signed_copy(current_user, consent_id,
                                                                  upload.filename if upload else None, content))
        if done is not None:
            flash("Signed consent form attached.", "success")
            return redirect(url_for("consent.consents", family_id=_family_of(consent_id)))
        return _consent_page(consent_id, errors, 400)
    return _consent_page(consent_id)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    """A file over the request limit is refused before the form is read: say so on the form."""
    consent_id = (request.view_args or {}).get("consent_id")
    if request.endpoint == "consent.signed_copy" and consent_id and current_user.is_authenticated:
        return _consent_page(consent_id, {"signed_copy": records.UPLOAD_ERROR}, 413)
    return exc


@bp.route("/consents/<consent_id>/signed-copy/download")
@login_required
def download_signed_copy(consent_id):
    document, content = records.signed_copy(current_user, consent_id)
    return Response(content, mimetype=document.content_type, headers={
        "Content-Disposition": f'attachment; filename="{document.filename}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
