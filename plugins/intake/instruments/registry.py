"""The bundled instrument definitions, by id."""

from __future__ import annotations

from . import consent, history, nprs, odi, peg, rmdq, sbst
from .types import InstrumentDefinition, UnknownInstrument

_DEFINITIONS: dict[str, InstrumentDefinition] = {
    d.id: d
    for d in (
        nprs.DEFINITION,
        odi.DEFINITION,
        rmdq.DEFINITION,
        sbst.DEFINITION,
        peg.DEFINITION,
        history.DEFINITION,
        consent.DEFINITION,
    )
}

SCORED_IDS: tuple[str, ...] = ("nprs", "odi", "rmdq", "sbst", "peg")


def get(instrument_id: str) -> InstrumentDefinition:
    """The definition for ``instrument_id``; raises :class:`UnknownInstrument`."""
    try:
        return _DEFINITIONS[instrument_id]
    except (KeyError, TypeError):
        known = ", ".join(_DEFINITIONS)
        raise UnknownInstrument(
            f"Unknown instrument {str(instrument_id)[:40]!r}; known instruments: {known}."
        ) from None


def all_definitions() -> dict[str, InstrumentDefinition]:
    """Every bundled definition keyed by id, in display order (a fresh dict each call)."""
    return dict(_DEFINITIONS)
