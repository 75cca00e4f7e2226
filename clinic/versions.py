"""Data versions: a number per patient, and one for the clinic as a whole, that every
committed change raises.

A page drawn only from stored rows, the signed-in user and the clinic day looks the
same for as long as those numbers stay put, so it can be kept and shown again
(:mod:`clinic.chartcache`).  The numbers are raised by the database session itself,
not by the code that writes, so no view, plugin or CLI command can forget to:

* every flush looks at each row it inserts, changes or deletes.  A row with a
  ``patient_id`` (or a patient itself) raises that patient's number; a row whose
  parent row (already loaded) has one raises the parent's patient; any other row
  raises the clinic-wide number, which every kept page depends on;
* an UPDATE, DELETE or INSERT statement run through the session (not row by row)
  raises the clinic-wide number, because which patients it touched is not known;
* a model whose rows no page kept this way ever shows (the audit log, sign-in
  sessions, form drafts, failed sign-ins, a cache of rendered files) says so with
  ``data_version_neutral = True`` and raises nothing.

Each number is raised once per transaction, in the transaction that makes the change,
so it becomes visible exactly when the change does.  Writes made outside the
session (raw SQL on a bare connection, another program) are not seen: the app does
not make any, and a database restored from a backup is served by a restarted app.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from sqlalchemy import Integer, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from clinic.extensions import db

CLINIC_WIDE = 0
# Session.info keys: scopes already raised in the open transaction (or savepoint), and
# whether the transaction has raised any at all.
_RAISED = "clinic_versions_raised"
_WROTE = "clinic_versions_wrote"


class DataVersion(db.Model):
    __tablename__ = "data_versions"
    data_version_neutral = True  # written only through Core, below

    scope: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


def current(session: Session, patient_id: int) -> tuple[int, int]:
    """(clinic-wide version, the patient's version), 0 for a scope never changed."""
    clinic_wide, own = current_many(session, [patient_id])
    return clinic_wide, own[patient_id]


def current_many(session: Session, patient_ids) -> tuple[int, dict[int, int]]:
    """The clinic-wide version and each patient's, in one query."""
    ids = set(patient_ids)
    found = dict(
        session.execute(
            select(DataVersion.scope, DataVersion.version).where(
                DataVersion.scope.in_(ids | {CLINIC_WIDE})
            )
        ).all()
    )
    return found.get(CLINIC_WIDE, 0), {i: found.get(i, 0) for i in ids}


def changed_in_transaction(session: Session) -> bool:
    """Whether the open transaction has changed anything a kept page may show."""
    return bool(session.info.get(_WROTE))


def _scopes_of(session: Session, instance) -> set[int]:
    if getattr(type(instance), "data_version_neutral", False):
        return set()
    from clinic.patients.models import Patient

    if isinstance(instance, Patient):
        return {instance.id} if instance.id is not None else {CLINIC_WIDE}
    state = inspect(instance)
    if "patient_id" in state.mapper.columns:
        scopes = {instance.patient_id} if instance.patient_id is not None else set()
        # A row moved from one patient to another changes both.
        history = state.attrs.patient_id.history
        scopes.update(v for v in (*history.deleted, *history.added) if v is not None)
        return scopes or {CLINIC_WIDE}
    # A child row (a note's entry or error mark, a claim's line): its parent row names
    # the patient when the session already holds it.  Nothing is loaded here (that
    # would query inside the flush); a parent not at hand means everyone's charts.
    for parent in _loaded_parents(session, state):
        parent_scopes = _scopes_of(session, parent)
        if parent_scopes and CLINIC_WIDE not in parent_scopes:
            return parent_scopes
    return {CLINIC_WIDE}


def _loaded_parents(session: Session, state):
    for relationship in state.mapper.relationships:
        if relationship.direction.name != "MANYTOONE":
            continue
        if relationship.key in state.dict:
            if state.dict[relationship.key] is not None:
                yield state.dict[relationship.key]
            continue
        pairs = relationship.local_remote_pairs
        parent_key = relationship.mapper.primary_key
        if len(pairs) != 1 or len(parent_key) != 1 or pairs[0][1] is not parent_key[0]:
            continue
        local = state.mapper.get_property_by_column(pairs[0][0]).key
        value = state.dict.get(local)
        if value is None:
            continue
        identity = relationship.mapper.identity_key_from_primary_key([value])
        parent = session.identity_map.get(identity)
        if parent is not None:
            yield parent


def _raise(session: Session, scopes: set[int]) -> None:
    raised = session.info.setdefault(_RAISED, set())
    todo = sorted(scopes - raised)  # one order everywhere: no lock-order deadlocks
    if not todo:
        return
    connection = session.connection()
    table = DataVersion.__table__
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # A scope's first number is random, not 1: numbers never repeat for different data
    # even when the table is emptied (tests) while a process keeps pages it drew.
    statement = insert(table).values(
        [{"scope": s, "version": 1 + secrets.randbelow(2**30)} for s in todo]
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.scope], set_={"version": table.c.version + 1}
    )
    connection.execute(statement)
    raised.update(todo)
    session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    scopes: set[int] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if instance in session.dirty and not session.is_modified(instance):
            continue  # touched, but no column changed: nothing was written
        scopes |= _scopes_of(session, instance)
    if scopes:
        _raise(session, scopes)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(execute_state) -> None:
    if execute_state.is_update or execute_state.is_delete or execute_state.is_insert:
        table = getattr(execute_state.statement, "table", None)
        if table is not None and table.name in _neutral_tables(len(db.Model.registry.mappers)):
            return
        _raise(execute_state.session, {CLINIC_WIDE})


@lru_cache(maxsize=1)
def _neutral_tables(_mapper_count: int) -> frozenset[str]:
    """Names of the tables whose models say no kept page shows them (worked out again
    only when a model is added, which the mapper count stands for)."""
    names = set()
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.class_, "data_version_neutral", False):
            names.update(table.name for table in mapper.tables)
    return frozenset(names)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction goes on
    session.info.pop(_RAISED, None)
    session.info.pop(_WROTE, None)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction) -> None:
    # A rolled-back savepoint took its raises with it: raise again on the next change.
    # The transaction as a whole still counts as having written until it ends.
    session.info.pop(_RAISED, None)
    if not previous_transaction.nested:
        session.info.pop(_WROTE, None)
