"""Questionnaire definitions and the engine that validates responses against them.

Public interface (other modules and the web side import from here):

* the definition types :class:`Option`, :class:`Item`, :class:`Band`, :class:`Subscale`,
  :class:`InstrumentDefinition`;
* :func:`get` and :func:`all_definitions` for the bundled instruments ``nprs``, ``odi``,
  ``rmdq``, ``sbst``, ``peg`` (scored), ``history`` (health history and safety screen) and
  ``consent`` (consent to treatment), plus any another plugin adds through the
  ``intake_instruments`` hook (see :mod:`.registry`);
* :func:`validate`, :func:`visible_items` and :class:`ResponseError` from the engine.

Item ids are public and stable: wording packs bind to them.  Scored items:
``odi.1``-``odi.10`` (0-5), ``rmdq.1``-``rmdq.24`` (1 marked, 0 not), ``sbst.1``-``sbst.9``
(items 1-8: 0 disagree, 1 agree; item 9: 0 not at all ... 4 extremely), ``peg.1``-``peg.3``
(0-10), ``nprs.now``, ``nprs.best``, ``nprs.worst`` (0-10).
"""

from .consent import CONSENT_TEXT, CONSENT_TEXT_VERSION
from .engine import ResponseError, validate, visible_items
from .registry import SCORED_IDS, all_definitions, get
from .types import (
    Band,
    InstrumentDefinition,
    Item,
    Option,
    Subscale,
    UnknownInstrument,
)

__all__ = [
    "CONSENT_TEXT",
    "CONSENT_TEXT_VERSION",
    "SCORED_IDS",
    "Band",
    "InstrumentDefinition",
    "Item",
    "Option",
    "ResponseError",
    "Subscale",
    "UnknownInstrument",
    "all_definitions",
    "get",
    "validate",
    "visible_items",
]
