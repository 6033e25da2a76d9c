"""One unit of work per entry point (DESIGN.md §2).

Services change the session and flush; they never commit. Whoever received the work commits it
or rolls it back, once:

- a web request: `init_app()` commits after every response below 500 and rolls back otherwise
  (the API's `endpoint()` wrapper does the same for /api/v1, with its own error envelope);
- a CLI command or a queued job: `with unit_of_work(): ...`;
- an action that may fail inside a request that goes on (a form re-shown with its errors):
  `with savepoint(): ...` undoes that action's changes and keeps the rest.

The audit trail rides on this: events recorded during the work join the hash chain in the same
commit (caseflow.core.audit), so a change and its record are kept or lost together, and a refusal
or a failed attempt keeps its audit event even though its changes are thrown away. Hooks that
act on a commit (the audit chain, the outbox dispatcher) act on the outermost commit only: a
savepoint released inside a request is not yet a commit.

A few jobs commit in the middle on purpose (the outbox dispatcher and routing batches, the
retention schedule, key rotation, the demo loader's batches): each says so with a comment
"unit-of-work exception".
"""
from __future__ import annotations

from contextlib import contextmanager

from caseflow.core import audit
from caseflow.core.extensions import db


def discard_changes(session=None) -> None:
    """Roll back the current transaction's changes but keep its audit events, to be committed
    with whatever the entry point commits next (a refused request is itself on the record)."""
    session = session or db.session
    pending = audit.take_pending(session)
    session.rollback()
    audit.restore_pending(session, pending)


@contextmanager
def unit_of_work(session=None):
    """Commit when the block finishes, roll back if it raises: for commands and jobs."""
    session = session or db.session
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


@contextmanager
def savepoint(session=None):
    """Run one action so that, if it raises, only its own changes are undone (a SAVEPOINT);
    audit events it recorded are kept. The exception is re-raised for the caller to show."""
    session = session or db.session
    nested = session.begin_nested()
    try:
        yield session
    except BaseException:
        # Undo this action only. A failed flush inside has already undone the savepoint and left
        # it to be closed; a full rollback inside (legacy code) has closed it already.
        if nested.is_active or nested.session.get_nested_transaction() is nested:
            nested.rollback()
        raise
    if nested.is_active:
        nested.commit()


def init_app(app) -> None:
    @app.after_request
    def _finish_unit_of_work(response):
        # Below 500 the request did what it meant to (a 4xx has already discarded its own
        # changes where it had any, keeping the audit of the refusal); a 500 keeps nothing.
        # A commit that fails here raises, and the request answers with the 500 page instead.
        if response.status_code < 500:
            db.session.commit()
        else:
            db.session.rollback()
        return response
