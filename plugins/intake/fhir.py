"""FHIR R4 export: instruments as Questionnaire, responses as QuestionnaireResponse.

Shapes (R4):

* ``Questionnaire.url`` is ``CANONICAL_BASE + <instrument id>`` and ``version`` is the definition
  version; each item's ``linkId`` is our item id, so an exported Questionnaire is also a valid
  wording-pack skeleton.  Items are flat (no groups); the form page is in the
  ``PAGE_EXTENSION`` extension.  Option scores are given with the standard R4
  ``ordinalValue`` extension; integer limits with ``minValue``/``maxValue``.
* ``QuestionnaireResponse.questionnaire`` is ``<url>|<version>``; status is ``completed``.
  Scores are in one ``SCORE_EXTENSION`` extension on the resource whose sub-extensions are
  ``total``, ``percent`` (valueDecimal), ``band``, ``risk`` (valueString) and one
  ``subscale-<id>`` (valueDecimal) per subscale; unanswered items are listed as ``missing``
  (valueString, repeated).  The wording-pack version, when one was used, is in
  ``PACK_EXTENSION``.

No Flask here: the web side wraps the dicts in a JSON download.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from plugins.intake.instruments import InstrumentDefinition, Item
from plugins.intake.wording import WordingPack, item_text, option_text

CANONICAL_BASE = "https://clinic.invalid/fhir/Questionnaire/"
EXTENSION_BASE = "https://clinic.invalid/fhir/StructureDefinition/"
SCORE_EXTENSION = EXTENSION_BASE + "intake-score"
PACK_EXTENSION = EXTENSION_BASE + "wording-pack-version"
PAGE_EXTENSION = EXTENSION_BASE + "form-page"
OPTION_SYSTEM_BASE = "https://clinic.invalid/fhir/CodeSystem/"
ORDINAL_EXTENSION = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_EXTENSION = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_EXTENSION = "http://hl7.org/fhir/StructureDefinition/maxValue"

_TYPES = {
    "choice": "choice",
    "multichoice": "choice",
    "integer": "integer",
    "boolean": "boolean",
    "text": "text",
    "signature": "string",
    "date": "date",
}


def canonical_url(defn: InstrumentDefinition) -> str:
    return CANONICAL_BASE + defn.id


def _system(item: Item) -> str:
    return OPTION_SYSTEM_BASE + item.id


def _question_item(item: Item, pack: WordingPack | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "linkId": item.id,
        "text": item_text(item, pack),
        "type": _TYPES[item.type],
        "required": item.required,
    }
    extensions: list[dict[str, Any]] = []
    if item.page:
        extensions.append({"url": PAGE_EXTENSION, "valueString": item.page})
    if item.type == "integer":
        if item.min is not None:
            extensions.append({"url": MIN_EXTENSION, "valueInteger": item.min})
        if item.max is not None:
            extensions.append({"url": MAX_EXTENSION, "valueInteger": item.max})
    if extensions:
        out["extension"] = extensions
    if item.type == "multichoice":
        out["repeats"] = True
    if item.max_length is not None:
        out["maxLength"] = item.max_length
    if item.options:
        answer_options = []
        for opt in item.options:
            entry: dict[str, Any] = {
                "valueCoding": {
                    "system": _system(item),
                    "code": str(opt.value),
                    "display": option_text(item, opt.value, pack),
                }
            }
            if opt.score is not None:
                entry["extension"] = [{"url": ORDINAL_EXTENSION, "valueDecimal": opt.score}]
            answer_options.append(entry)
        out["answerOption"] = answer_options
    if item.show_if is not None:
        source, allowed = item.show_if
        out["enableBehavior"] = "any"
        out["enableWhen"] = [
            {"question": source, "operator": "=", **_enable_answer(source, value)}
            for value in allowed
        ]
    return out


def _enable_answer(source: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"answerBoolean": value}
    return {"answerCoding": {"system": OPTION_SYSTEM_BASE + source, "code": str(value)}}


def questionnaire(defn: InstrumentDefinition, pack: WordingPack | None = None) -> dict:
    """The instrument as a FHIR R4 Questionnaire (pack wording if given, else our labels)."""
    if pack is not None and pack.instrument_id != defn.id:
        raise ValueError(f"The wording pack is for {pack.instrument_id}, not {defn.id}.")
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": defn.id,
        "url": canonical_url(defn),
        "version": defn.version,
        "name": "".join(c for c in defn.short_title.title() if c.isalnum()) or defn.id,
        "title": defn.title,
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": defn.licence_note,
        "item": [_question_item(item, pack) for item in defn.items],
    }
    if defn.description:
        resource["description"] = defn.description
    if pack is not None:
        resource["extension"] = [{"url": PACK_EXTENSION, "valueString": pack.version}]
    return resource


def _answers(item: Item, value: Any, pack: WordingPack | None) -> list[dict[str, Any]]:
    if item.type in ("choice", "multichoice"):
        values = value if isinstance(value, list) else [value]
        return [
            {
                "valueCoding": {
                    "system": _system(item),
                    "code": str(v),
                    "display": option_text(item, v, pack),
                }
            }
            for v in values
        ]
    if item.type == "integer":
        return [{"valueInteger": int(value)}]
    if item.type == "boolean":
        return [{"valueBoolean": bool(value)}]
    if item.type == "date":
        return [{"valueDate": str(value)}]
    return [{"valueString": str(value)}]


def _score_extension(result: Any) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if result.total is not None:
        parts.append({"url": "total", "valueDecimal": result.total})
    if result.percent is not None:
        parts.append({"url": "percent", "valueDecimal": result.percent})
    if result.band is not None:
        parts.append({"url": "band", "valueString": result.band})
    if result.risk is not None:
        parts.append({"url": "risk", "valueString": result.risk})
    for name, value in sorted(result.subscales.items()):
        parts.append({"url": f"subscale-{name}", "valueDecimal": value})
    for item_id in result.missing:
        parts.append({"url": "missing", "valueString": item_id})
    return {"url": SCORE_EXTENSION, "extension": parts}


def _instant(authored: dt.datetime) -> str:
    if not isinstance(authored, dt.datetime):
        raise TypeError("authored must be a datetime")
    if authored.tzinfo is None:
        # Naive datetimes are UTC in this codebase; FHIR needs the offset spelled out.
        authored = authored.replace(tzinfo=dt.UTC)
    return authored.isoformat(timespec="seconds")


def _reference(ref: str) -> dict[str, str]:
    return {"reference": ref} if "/" in ref else {"display": ref}


def questionnaire_response(
    defn: InstrumentDefinition,
    answers: Mapping[str, Any],
    *,
    result: Any = None,
    authored: dt.datetime,
    subject_ref: str,
    author: str,
    pack_version: str | None,
    pack: WordingPack | None = None,
) -> dict:
    """A stored response as a FHIR R4 QuestionnaireResponse (status ``completed``).

    ``answers`` are cleaned answers (as :func:`validate` returns them); items are written in
    definition order.  ``author`` may be a reference ("Practitioner/3") or a display name.
    """
    items = []
    for item in defn.items:
        if item.id not in answers:
            continue
        entry = {"linkId": item.id, "text": item_text(item, pack)}
        entry["answer"] = _answers(item, answers[item.id], pack)
        items.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{canonical_url(defn)}|{defn.version}",
        "status": "completed",
        "subject": _reference(subject_ref),
        "authored": _instant(authored),
        "author": _reference(author),
        "item": items,
    }
    extensions = []
    if result is not None:
        extensions.append(_score_extension(result))
    if pack_version:
        extensions.append({"url": PACK_EXTENSION, "valueString": pack_version})
    if extensions:
        resource["extension"] = extensions
    return resource
