"""The page number of an HTML list, from ?page= (anything odd means the first page)."""
from __future__ import annotations

from flask import request


def current_page() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1
