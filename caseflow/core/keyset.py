"""Keyset paging ("seek" paging) for long lists read newest first, and bounded counts.

OFFSET paging reads and throws away every row before the page: page 2,000 of a family's access
log reads 100,000 audit rows. A keyset page instead starts just after the last row the reader
saw, found through the list's index, so every page costs the same however far back it is:

    rows, next_cursor = keyset.page(select(AuditEvent).where(AuditEvent.family_id == family_id),
                                    (AuditEvent.seq,), cursor, per_page=50)

The list is ordered by `keys` descending (the last key must be unique, e.g. the id, so no two
rows tie), and an index on (filter columns..., keys...) serves both the filter and the order
(migration 0017). The cursor is opaque to callers: the last row's keys, as URL-safe text, sent
back as `?before=`.

Whole-list counts are bounded the same way: `bounded_count` stops at COUNT_LIMIT + 1 rows, so a
county's front-door queue or a common surname costs at most that many index entries, and the
page says "1,000+".
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, bindparam, func, select, tuple_

from caseflow.core.extensions import db

# A list's total is counted up to this many; beyond it the answer is "more than 1,000".
COUNT_LIMIT = 1_000


class Total(int):
    """A list's size, counted up to a limit: `capped` says there are more than the number.
    Shown in a page as "1,000+" when capped; it is still the number for arithmetic and JSON."""

    capped: bool

    def __new__(cls, value: int, capped: bool = False):
        total = super().__new__(cls, value)
        total.capped = capped
        return total

    def __str__(self) -> str:
        return f"{int(self):,}+" if self.capped else f"{int(self):,}"

    def __format__(self, spec: str) -> str:  # "{:,}".format(total) -> "1,000+"
        return format(int(self), spec) + ("+" if self.capped else "") if spec else str(self)


def bounded_count(statement: Select, limit: int = COUNT_LIMIT) -> Total:
    """How many rows `statement` selects, reading at most limit + 1 of them."""
    counted = db.session.scalar(select(func.count()).select_from(
        statement.order_by(None).limit(limit + 1).subquery()))
    return Total(min(counted, limit), capped=counted > limit)


def page_and_count(statement: Select, key, order_by: tuple, page: int, per_page: int) -> tuple[list, Total]:
    """The keys (`key`, a column) of one offset page of `statement` in `order_by` order (plain
    columns, ascending), and the list's count (said as "1,000+" past COUNT_LIMIT), in one query.

    For a list that has to be worked out whole before it can be ordered, such as a search's
    UNION of look-ups: bounded_count and the page would each work it out again (three times in
    all when the count passed its limit: 290 ms for "Henry" at 1,000,000 people, 3,172 families,
    against 90 ms once). A list an index returns in order wants bounded_count and page()."""
    labelled = [key.label("key"), *(column.label(f"order_{n}") for n, column in enumerate(order_by))]
    found = statement.with_only_columns(*labelled).order_by(None).subquery()
    rows = db.session.execute(select(found.c.key, func.count().over().label("found"))
                              .order_by(*(found.c[f"order_{n}"] for n in range(len(order_by))))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        return [row.key for row in rows], Total(min(rows[0].found, COUNT_LIMIT), capped=rows[0].found > COUNT_LIMIT)
    if page == 1:
        return [], Total(0, capped=False)
    return [], bounded_count(statement, COUNT_LIMIT)  # a page past the end: the count the pages link by


# --- cursors -------------------------------------------------------------------------------------

class BadCursor(ValueError):
    """A ?before= value this service did not make (edited, truncated, or from another list)."""


def _plain(value):
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if value is None or isinstance(value, (str, int)):
        return value
    raise TypeError(f"a keyset cursor cannot hold {type(value).__name__}")


def _typed(value):
    if isinstance(value, dict) and len(value) == 1:
        (kind, text), = value.items()
        if kind == "t":
            return datetime.fromisoformat(text)
        if kind == "d":
            return date.fromisoformat(text)
    if value is None or isinstance(value, (str, int)):
        return value
    raise BadCursor("not a cursor")


def encode_cursor(values: Sequence) -> str:
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, length: int) -> tuple:
    """The keys a cursor holds; BadCursor when it is not one of ours for a list of `length` keys."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != length:
            raise BadCursor("not a cursor")
        return tuple(_typed(v) for v in values)
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise BadCursor("not a cursor") from exc


def cursor_or_none(text: str | None, length: int) -> tuple | None:
    """For HTML pages: a link someone edited shows the newest page rather than an error."""
    if not text:
        return None
    try:
        return decode_cursor(text, length)
    except BadCursor:
        return None


def page(statement: Select, keys: Sequence, before: tuple | None, per_page: int,
         page_number: int = 1, oldest_first: bool = False) -> tuple[list, str | None]:
    """One page of `statement` ordered by `keys` descending, starting after the cursor's row, and
    the cursor of the next (older) page, or None when this is the last. Without a cursor,
    `page_number` still pages by OFFSET, for the ?page= links and API callers made before cursors
    (slower the further back; the cursor is the fast way). `oldest_first`: ordered ascending
    instead (a queue worked from its oldest row), the cursor then leading to newer rows."""
    if before is not None:
        bound = tuple_(*[bindparam(None, value, type_=key.type) for key, value in zip(keys, before)])
        statement = statement.where(tuple_(*keys) > bound if oldest_first else tuple_(*keys) < bound)
    else:
        statement = statement.offset((page_number - 1) * per_page)
    order = [k.asc() if oldest_first else k.desc() for k in keys]
    rows = db.session.scalars(statement.order_by(*order).limit(per_page + 1)).all()
    if len(rows) <= per_page:
        return list(rows), None
    rows = rows[:per_page]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, key.key) for key in keys])
