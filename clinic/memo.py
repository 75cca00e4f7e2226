"""Answers worked out once per request and forgotten as soon as the data may change.

A chart view asks the same questions in several places: the sessions panel, the
summary line and the alerts all want the patient's notes; the status panel and the
alerts both want the latest health-history screen.  Each asking ran its queries and
built its objects again.  :func:`per_request` keeps the first answer for the rest of
the request, under these rules, which are what make it safe:

* it lives on the request object only: the next request, whoever makes it, works
  everything out again, so nothing can be shown stale or to another user;
* it is emptied whenever any database session flushes, commits or rolls back, and
  is not used while the session holds changes it has not flushed yet, so a page that
  changes something and then reads it back sees the change;
* outside a request (CLI, scripts) nothing is kept.

The answers are usually ORM objects of the request's own session; callers treat the
returned value as read-only (a list is copied on the way out).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")

_ATTRIBUTE = "_clinic_per_request"


def _store() -> dict | None:
    if not has_request_context():
        return None
    from clinic.extensions import db

    session = db.session
    # Unflushed changes: a fresh query would autoflush them and might answer differently.
    if session.new or session.deleted or session.dirty:
        forget()
    return request.__dict__.setdefault(_ATTRIBUTE, {})


def per_request(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or the answer it gave earlier in this request for ``(name, key)``."""
    store = _store()
    if store is None:
        return _copied(compute())
    found = store.get((name, key), _MISSING)
    if found is _MISSING:
        found = compute()
        # compute() may itself have flushed (autoflush), which empties the store:
        # what it returned was read after that flush, so it is safe to keep.
        request.__dict__.setdefault(_ATTRIBUTE, {})[(name, key)] = found
    return _copied(found)


def peek(name: str, key: Hashable) -> Any:
    """What :func:`per_request` holds for ``(name, key)`` now, or ``None``."""
    store = _store()
    if store is None:
        return None
    found = store.get((name, key), _MISSING)
    return None if found is _MISSING else _copied(found)


def forget() -> None:
    """Drop everything kept for the current request."""
    if has_request_context():
        request.__dict__.pop(_ATTRIBUTE, None)


def _copied(value: T) -> T:
    return list(value) if isinstance(value, list) else value  # type: ignore[return-value]


_MISSING = object()


@event.listens_for(Session, "after_flush")
def _after_flush(_session, _context) -> None:
    forget()


@event.listens_for(Session, "after_commit")
def _after_commit(_session) -> None:
    forget()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(_session, _previous_transaction) -> None:
    forget()
