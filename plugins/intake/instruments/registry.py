"""Which instruments exist: the bundled ones, plus any another plugin adds.

Instruments form a registry fed by the ``intake_instruments`` hook (declared in
:mod:`plugins.intake.hookspecs`): the intake plugin registers its own definitions through
it exactly as another plugin registers one more.  A plugin receives the definition types
as the hook's ``kit`` argument, so it never imports this plugin.

Lookups stay plain functions (no Flask here) because scoring and validation call them
from pure code.  During a request the intake plugin points the lookups at the set its
hook returned (:func:`use_provider`); outside a request (a CLI command, a pure test) they
see the bundled set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from . import consent, history, nprs, odi, peg, rmdq, sbst
from .types import Band, InstrumentDefinition, Item, Option, Subscale, UnknownInstrument

BUNDLED: tuple[InstrumentDefinition, ...] = (
    nprs.DEFINITION,
    odi.DEFINITION,
    rmdq.DEFINITION,
    sbst.DEFINITION,
    peg.DEFINITION,
    history.DEFINITION,
    consent.DEFINITION,
)

SCORED_IDS: tuple[str, ...] = ("nprs", "odi", "rmdq", "sbst", "peg")


@dataclass(frozen=True)
class InstrumentKit:
    """The definition types, handed to ``intake_instruments`` implementations."""

    InstrumentDefinition: type = InstrumentDefinition
    Item: type = Item
    Option: type = Option
    Band: type = Band
    Subscale: type = Subscale


KIT = InstrumentKit()


def build(definitions: Iterable[InstrumentDefinition]) -> dict[str, InstrumentDefinition]:
    """Id -> definition in the given order; refuses anything but a definition and any
    id used twice (naming both titles)."""
    out: dict[str, InstrumentDefinition] = {}
    for definition in definitions:
        if not isinstance(definition, InstrumentDefinition):
            raise TypeError(
                f"intake_instruments returned {definition!r}; "
                "build it with kit.InstrumentDefinition"
            )
        if definition.id in out:
            raise ValueError(
                f"Two instruments use the id {definition.id!r}: "
                f"{out[definition.id].title!r} and {definition.title!r}"
            )
        out[definition.id] = definition
    return out


_BUNDLED = build(BUNDLED)
_provider: ContextVar[Callable[[], Iterable[InstrumentDefinition]] | None] = ContextVar(
    "intake_instrument_provider", default=None
)
_resolved: ContextVar[dict[str, InstrumentDefinition] | None] = ContextVar(
    "intake_instruments", default=None
)


def use_provider(provider: Callable[[], Iterable[InstrumentDefinition]] | None) -> None:
    """From now on in this context, read the instruments from ``provider`` (called once,
    on the first lookup, so a request that never needs an instrument never asks);
    ``None`` goes back to the bundled set."""
    _provider.set(provider)
    _resolved.set(None)


def _definitions() -> dict[str, InstrumentDefinition]:
    resolved = _resolved.get()
    if resolved is not None:
        return resolved
    provider = _provider.get()
    if provider is None:
        return _BUNDLED
    resolved = build(provider())
    _resolved.set(resolved)
    return resolved


def get(instrument_id: str) -> InstrumentDefinition:
    """The definition for ``instrument_id``; raises :class:`UnknownInstrument`."""
    definitions = _definitions()
    try:
        return definitions[instrument_id]
    except (KeyError, TypeError):
        known = ", ".join(definitions)
        raise UnknownInstrument(
            f"Unknown instrument {str(instrument_id)[:40]!r}; known instruments: {known}."
        ) from None


def all_definitions() -> dict[str, InstrumentDefinition]:
    """Every registered definition keyed by id, in display order (a fresh dict each call)."""
    return dict(_definitions())
