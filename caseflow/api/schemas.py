"""Query schemas every paginated API list shares (docs/api.md, "Paging": ?page=1&per_page=50)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


class PageQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
