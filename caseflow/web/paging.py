"""The page number of an HTML list, from ?page= (anything odd means the first page)."""
from __future__ import annotations

from flask import request

from caseflow.core.schemas import MAX_PAGE


def current_page() -> int:
    """?page= within 1..MAX_PAGE: a page past the end shows an empty list, and a number too
    large for the database's OFFSET shows the last page there can be rather than failing."""
    try:
        return min(max(int(request.args.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        return 1
