"""The content hash that seals a signed note.

SHA-256 over a canonical JSON form: keys sorted, no whitespace, dates and times in
ISO 8601, tuples as lists, sets sorted.  The same content always gives the same hash
(whatever order the keys were built in) and any change gives a different one, so the
hash stored at signing shows whether the note shown later is the note that was signed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=lambda v: canonical_json(v))
    raise TypeError(f"Cannot hash a value of type {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """The canonical text the hash is computed over (useful to store beside the hash)."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_default,
    )


def content_hash(note: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of the canonical JSON of ``note``."""
    if not isinstance(note, Mapping):
        raise TypeError("content_hash takes a mapping of the note's content")
    return hashlib.sha256(canonical_json(dict(note)).encode("utf-8")).hexdigest()


def verify(note: Mapping[str, Any], expected: str) -> bool:
    """Whether ``note`` still has the hash stored when it was signed."""
    return hmac.compare_digest(content_hash(note), expected or "")
