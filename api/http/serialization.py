"""JSON as the contract writes it: uuids as strings, timestamps in ISO 8601 UTC."""

from __future__ import annotations

import datetime
import json

from flask.json.provider import DefaultJSONProvider


def _default(value: object) -> object:
    """Timestamps as `2026-11-24T06:38:02.123456Z`; everything else as Flask does."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
    return DefaultJSONProvider.default(value)


class ApiJsonProvider(DefaultJSONProvider):
    """Flask's provider with ISO 8601 timestamps and members kept in the order they were written."""

    default = staticmethod(_default)
    sort_keys = False


def dumps(value: object) -> str:
    """`value` as one line of compact JSON, as the API's responses write it (for SSE `data:` lines)."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))
