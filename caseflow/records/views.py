"""Pages for family records over time: a person's record and history, correcting it, the
household on any date (joining, leaving, relationships), comparing and merging duplicates side
by side, undoing a merge, splitting a wrong link, and the potential-duplicates list. Views parse
forms and call caseflow.records' services."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from caseflow.core.access import can
from caseflow.core.timescales import today_london
from caseflow.families.models import LEAVE_REASON_LABELS, RELATIONSHIP_LABELS, LeaveReason, RecordKind, Relationship, Sex
from caseflow.readmodels import family_view
from caseflow.readmodels.family_views import as_of_day
from caseflow.records import household, merging, people
from caseflow.records.models import CHANGE_KIND_LABELS, RELATIONSHIP_KIND_LABELS, RelationshipKind
from caseflow.web.forms import date_parts, parse_date, text
from caseflow.web.paging import current_page
from caseflow.web.submit import attempt, error_fields, submit

bp = Blueprint("records", __name__, template_folder="templates")

SEX_OPTIONS = [(s.value, s.value.title()) for s in Sex]


def _labels() -> dict:
    return {"field_labels": people.FIELD_LABELS, "change_labels": CHANGE_KIND_LABELS,
            "relationship_labels": RELATIONSHIP_LABELS, "kind_labels": RELATIONSHIP_KIND_LABELS,
            "leave_labels": LEAVE_REASON_LABELS, "today": today_london()}


def _keeps_records() -> bool:
    return bool(can(current_user, "records.merge"))


# --- a person: record, history, correction ------------------------------------------------------

@bp.route("/people/<person_id>")
@login_required
def person(person_id):
    record, entries, names = people.history(current_user, person_id)
    return render_template("records/person.html", person=record, entries=entries, names=names,
                           family_ids=people.family_ids_of(record.id), merges=merging.merges_for("person", record.id),
                           keeps_records=_keeps_records(), title=f"{record.full_name}: record and history", **_labels())


@bp.route("/people/<person_id>/correct", methods=["GET", "POST"])
@login_required
def correct(person_id):
    record, _, _ = people.history(current_user, person_id)
    form, errors = request.form, {}
    if request.method == "POST":
        dob, dob_error = parse_date(form, "date_of_birth", "Date of birth")
        raw = {name: (form.get(name) or "").strip() for name in people.CORRECTABLE
               if name != "date_of_birth" and name in form}
        # Only what the officer changed is sent: the service records exactly those fields.
        raw = {k: v for k, v in raw.items() if v != (_shown(getattr(record, k)))}
        if dob and dob != _shown(record.date_of_birth):
            raw["date_of_birth"] = dob
        raw["reason"] = text(form, "reason")
        raw = {k: v for k, v in raw.items() if v is not None}
        done, errors = submit(lambda: people.correct_person(current_user, person_id, raw),
                              {"date_of_birth": [dob_error]} if dob_error else None)
        if done is not None:
            flash("Details corrected. The change and its reason are in the history.", "success")
            return redirect(url_for("records.person", person_id=person_id))
        errors = {("date_of_birth-day" if k == "date_of_birth" else k): v for k, v in errors.items()}
    values = {name: (form.get(name) if request.method == "POST" else _shown(getattr(record, name)))
              for name in people.CORRECTABLE}
    dob_parts = ({p: form.get(f"date_of_birth-{p}", "") for p in ("day", "month", "year")}
                 if request.method == "POST" else date_parts(record.date_of_birth))
    return render_template("records/correct.html", person=record, values=values, dob=dob_parts, errors=errors,
                           form=form, sex_options=SEX_OPTIONS, title=f"Correct {record.full_name}'s details",
                           **_labels()), (400 if errors else 200)


def _shown(value) -> str:
    return "" if value is None else (value.isoformat() if isinstance(value, date) else str(value))


# --- the household ---------------------------------------------------------------------------------

@bp.route("/families/<family_id>/household")
@login_required
def household_page(family_id, errors=None, status=200):
    _, as_of_error = parse_date(request.args, "as_of", "Date")
    day = as_of_day(request.args)
    as_of = day.isoformat() if day else None
    view = family_view.view_family(current_user, family_id, purpose="household", as_of=day)
    may_change = bool(can(current_user, "household.change", view.family))
    shown = [m.person_id for m in view.members + view.former_members]
    return render_template(
        "records/household.html", view=view, as_of=as_of, as_of_parts=date_parts(as_of),
        as_of_error=as_of_error, may_change=may_change, errors=errors or {}, form=request.form,
        relationships=household.relationships_in(shown), people_by_id={m.person_id: m.person for m in
                                                                        view.members + view.former_members},
        relationship_options=[(r.value, RELATIONSHIP_LABELS[r]) for r in Relationship],
        kind_options=[(k.value, RELATIONSHIP_KIND_LABELS[k]) for k in RelationshipKind],
        leave_options=[(r.value, LEAVE_REASON_LABELS[r]) for r in LeaveReason],
        candidates=None, sex_options=SEX_OPTIONS, keeps_records=_keeps_records(),
        title=f"Household, {view.family.display_name}", **_labels()), status


@bp.route("/families/<family_id>/household/join", methods=["POST"])
@login_required
def join(family_id):
    household.require_change(current_user, family_id, "add someone to the household")
    form = request.form
    joined, joined_error = parse_date(form, "joined_on", "Date they joined")
    dob, dob_error = parse_date(form, "date_of_birth", "Date of birth")
    raw = {"relationship": text(form, "relationship"), "joined_on": joined, "reason": text(form, "reason")}
    if text(form, "person_id"):
        raw["person_id"] = text(form, "person_id")
    else:
        raw["person"] = {k: v for k, v in {"given_name": text(form, "given_name"), "family_name": text(form, "family_name"),
                                           "date_of_birth": dob, "sex": text(form, "sex") or "unknown",
                                           "postcode": text(form, "postcode"), "relationship": "child"}.items()
                         if v is not None}
        if form.get("confirm_new") != "yes" and not dob_error:
            # Is this someone already known? The matcher answers before a new record is made.
            found, exc = attempt(lambda: household.candidates_for(current_user, family_id, raw["person"]))
            if found is not None and found.candidates:
                return _household_with(family_id, {}, candidates=found.candidates, form=form)
    early = {k: [v] for k, v in (("joined_on", joined_error), ("date_of_birth", dob_error)) if v}
    done, errors = submit(lambda: household.join(current_user, family_id, raw), early or None)
    if done is not None:
        flash("Added to the household.", "success")
        return redirect(url_for("records.household_page", family_id=family_id))
    errors = {("given_name" if k.startswith("person") and k not in ("person_id",) else k): v for k, v in errors.items()}
    return _household_with(family_id, errors, form=form)


def _household_with(family_id, errors, candidates=None, form=None):
    page, status = household_page(family_id, errors=errors, status=400 if errors else 200)
    if candidates is None:
        return page, status
    view = family_view.view_family(current_user, family_id, purpose="household")
    return render_template("records/join_candidates.html", view=view, candidates=candidates, form=form,
                           title=f"Is this someone already known? {view.family.display_name}", **_labels())


@bp.route("/families/<family_id>/household/leave", methods=["POST"])
@login_required
def leave(family_id):
    household.require_change(current_user, family_id, "record someone leaving the household")
    form = request.form
    left, left_error = parse_date(form, "left_on", "Date they left")
    raw = {"left_on": left, "reason": text(form, "leave_reason"), "note": text(form, "note"),
           "moved_to_family_reference": text(form, "moved_to_family_reference")}
    raw = {k: v for k, v in raw.items() if v is not None}
    person_id = text(form, "person_id") or ""
    early = {"left_on": [left_error]} if left_error else {}
    if not person_id:
        early["person_id"] = ["Choose who left"]
    done, errors = submit(lambda: household.leave(current_user, family_id, person_id, raw), early or None)
    if done is not None:
        flash("The household change is recorded.", "success")
        return redirect(url_for("records.household_page", family_id=family_id))
    errors = {("leave_reason" if k == "reason" else "moved_to_family_reference" if k == "moved_to_family_id" else k): v
              for k, v in errors.items()}
    return _household_with(family_id, errors)


@bp.route("/families/<family_id>/relationships", methods=["POST"])
@login_required
def relationship(family_id):
    household.require_change(current_user, family_id, "record a relationship")
    form = request.form
    raw = {"person_id": text(form, "rel_person_id"), "related_person_id": text(form, "related_person_id"),
           "kind": text(form, "kind"), "parental_responsibility": form.get("parental_responsibility") == "yes"}
    raw = {k: v for k, v in raw.items() if v is not None}
    done, errors = submit(lambda: household.add_relationship(current_user, family_id, raw))
    if done is not None:
        flash("Relationship recorded.", "success")
        return redirect(url_for("records.household_page", family_id=family_id))
    errors = {("rel_person_id" if k == "person_id" else k): v for k, v in errors.items()}
    return _household_with(family_id, errors)


# --- compare, merge, unmerge, split --------------------------------------------------------------

def _merge_page(kind: RecordKind, record_id: str):
    other_id = (request.values.get("other_id") or "").strip()
    errors, sides = {}, None
    if request.method == "POST":
        raw = {"other_id": other_id, "keep": text(request.form, "keep") or "this",
               "reason": text(request.form, "reason")}
        raw = {k: v for k, v in raw.items() if v is not None}
        done, errors = submit(lambda: merging.merge(current_user, kind, record_id, raw))
        if done is not None:
            flash("Records merged. You can undo this until "
                  f"{done.undo_until:%-d %B %Y}.", "success")
            target = "records.person" if kind == RecordKind.PERSON else "families.show"
            key = "person_id" if kind == RecordKind.PERSON else "family_id"
            return redirect(url_for(target, **{key: done.survivor_id}))
    found, exc = attempt(lambda: merging.compare(current_user, kind, record_id, other_id))
    if found is not None:
        sides = found
    elif not errors:
        errors = error_fields(exc.fields)
    return render_template("records/merge.html", kind=kind.value, record_id=record_id, other_id=other_id,
                           sides=sides, differing=merging.differing(*sides) if sides else [], errors=errors,
                           form=request.form, title="Compare and merge records", **_labels()), \
        (400 if errors and request.method == "POST" else 200)


@bp.route("/people/<person_id>/merge", methods=["GET", "POST"])
@login_required
def merge_people(person_id):
    return _merge_page(RecordKind.PERSON, person_id)


@bp.route("/families/<family_id>/merge", methods=["GET", "POST"])
@login_required
def merge_families(family_id):
    return _merge_page(RecordKind.FAMILY, family_id)


def _unmerge_page(kind: RecordKind, record_id: str):
    errors = {}
    if request.method == "POST":
        raw = {k: v for k, v in {"reason": text(request.form, "reason")}.items() if v is not None}
        done, errors = submit(lambda: merging.unmerge(current_user, kind, record_id, raw))
        if done is not None:
            flash("The merge is undone: both records are as they were, with anything written since kept.", "success")
            target = "records.person" if kind == RecordKind.PERSON else "families.show"
            key = "person_id" if kind == RecordKind.PERSON else "family_id"
            return redirect(url_for(target, **{key: record_id}))
    done = merging.unmerge_preview(current_user, kind, record_id)
    return render_template("records/unmerge.html", kind=kind.value, record_id=record_id, merge=done,
                           errors=errors, form=request.form, title="Undo a merge", **_labels()), \
        (400 if errors else 200)


@bp.route("/people/<person_id>/unmerge", methods=["GET", "POST"])
@login_required
def unmerge_people(person_id):
    return _unmerge_page(RecordKind.PERSON, person_id)


@bp.route("/families/<family_id>/unmerge", methods=["GET", "POST"])
@login_required
def unmerge_families(family_id):
    return _unmerge_page(RecordKind.FAMILY, family_id)


@bp.route("/people/<person_id>/split", methods=["GET", "POST"])
@login_required
def split(person_id):
    record, links = merging.split_options(current_user, person_id)
    errors = {}
    if request.method == "POST":
        raw = {"request_person_ids": request.form.getlist("request_person_ids"), "reason": text(request.form, "reason")}
        raw = {k: v for k, v in raw.items() if v is not None}
        done, errors = submit(lambda: merging.split(current_user, person_id, raw))
        if done is not None:
            flash("Split: the requests you chose now name a person of their own.", "success")
            return redirect(url_for("records.person", person_id=done.id))
    return render_template("records/split.html", person=record, links=links, errors=errors, form=request.form,
                           title=f"Split {record.full_name}'s record", **_labels()), (400 if errors else 200)


# --- the potential-duplicates list -----------------------------------------------------------------

@bp.route("/duplicates")
@login_required
def duplicates():
    pairs, total = merging.duplicates(current_user, page=current_page())
    return render_template("records/duplicates.html", pairs=pairs, total=total, page=current_page(),
                           title="Potential duplicates", **_labels())


@bp.route("/duplicates/<candidate_id>/dismiss", methods=["POST"])
@login_required
def dismiss(candidate_id):
    done, exc = attempt(lambda: merging.dismiss(current_user, candidate_id))
    flash("Dismissed: these records stay apart." if done else next(iter(exc.fields.values()))[0],
          "success" if done else "error")
    return redirect(url_for("records.duplicates"))
