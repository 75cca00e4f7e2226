"""Wording packs: the licensed text of a questionnaire, loaded by the clinic.

The project ships no copyrighted questionnaire wording (docs/clinical-rules.md,
"Questionnaire scoring").  A clinic that holds
a licence uploads the text as a FHIR R4 Questionnaire JSON whose ``linkId``s are our item ids;
:func:`parse_pack` checks it strictly and returns a :class:`WordingPack`.  Option wording is read
from ``answerOption.valueCoding.display`` (the code is the option value) and stored under
``"<item id>:<value>"``.  No Flask here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from plugins.intake.instruments import InstrumentDefinition, Item, UnknownInstrument, get

MAX_PACK_BYTES = 512 * 1024
MAX_TEXT_LENGTH = 2000
MAX_DEPTH = 8

NO_PACK_NOTICE = (
    "The validated wording for this questionnaire is not loaded. The questions below show the "
    "project's short descriptions of what each item measures. An administrator can load the "
    "licensed wording as a wording pack."
)


class WordingPackError(ValueError):
    """A pack that was refused; ``problems`` lists every reason, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("The wording pack was refused: " + " ".join(self.problems))


@dataclass(frozen=True)
class WordingPack:
    instrument_id: str
    version: str
    title: str
    texts: dict[str, str] = field(default_factory=dict)

    def item_text(self, item_id: str, default: str = "") -> str:
        return self.texts.get(item_id, default)

    def option_text(self, item_id: str, value: int | str, default: str = "") -> str:
        return self.texts.get(f"{item_id}:{value}", default)


def item_text(item: Item, pack: WordingPack | None) -> str:
    """What to show for an item: the pack's wording if loaded, else our label."""
    return pack.item_text(item.id, item.label) if pack else item.label


def option_text(item: Item, value: int | str, pack: WordingPack | None) -> str:
    option = item.option(value)
    label = option.label if option else str(value)
    return pack.option_text(item.id, value, label) if pack else label


def _check_text(where: str, value: Any, problems: list[str]) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{where}: the text must be a string.")
        return None
    if not value.strip():
        problems.append(f"{where}: the text is empty.")
        return None
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        problems.append(f"{where}: the text contains control characters.")
        return None
    if len(value) > MAX_TEXT_LENGTH:
        problems.append(
            f"{where}: the text is {len(value)} characters long; the limit is {MAX_TEXT_LENGTH}."
        )
        return None
    return value


def _walk(
    defn: InstrumentDefinition,
    items: Any,
    depth: int,
    texts: dict[str, str],
    seen: set[str],
    problems: list[str],
) -> None:
    if not isinstance(items, list):
        problems.append("'item' must be a list of items.")
        return
    if depth > MAX_DEPTH:
        problems.append(f"Items are nested more than {MAX_DEPTH} levels deep.")
        return
    known = set(defn.item_ids)
    for index, entry in enumerate(items):
        if not isinstance(entry, dict):
            problems.append(f"Item {index + 1} at level {depth} is not an object.")
            continue
        link_id = entry.get("linkId")
        if not isinstance(link_id, str) or not link_id:
            problems.append(f"Item {index + 1} at level {depth} has no linkId.")
        elif link_id not in known:
            problems.append(
                f"linkId {link_id[:80]!r} does not match any item of {defn.short_title}."
            )
        elif link_id in seen:
            problems.append(f"linkId {link_id!r} appears more than once.")
        else:
            seen.add(link_id)
            text = _check_text(f"linkId {link_id!r}", entry.get("text"), problems)
            if text is not None:
                texts[link_id] = text
            item = defn.item(link_id)
            if item.options and entry.get("answerOption") is None:
                problems.append(f"linkId {link_id!r}: the answer options have no text.")
            _options(item, entry.get("answerOption"), texts, problems)
        if "item" in entry:
            _walk(defn, entry["item"], depth + 1, texts, seen, problems)


def _options(item: Item, options: Any, texts: dict[str, str], problems: list[str]) -> None:
    if options is None:
        return
    if not isinstance(options, list):
        problems.append(f"linkId {item.id!r}: answerOption must be a list.")
        return
    allowed = {str(v): v for v in item.option_values}
    worded: set[str] = set()
    for entry in options:
        coding = entry.get("valueCoding") if isinstance(entry, dict) else None
        if not isinstance(coding, dict):
            problems.append(f"linkId {item.id!r}: each answerOption needs a valueCoding.")
            continue
        code = coding.get("code")
        if not isinstance(code, str | int) or isinstance(code, bool) or str(code) not in allowed:
            problems.append(
                f"linkId {item.id!r}: answer code {str(code)[:40]!r} is not one of "
                f"{', '.join(allowed)}."
            )
            continue
        if "display" in coding:
            where = f"linkId {item.id!r} answer {code}"
            display = _check_text(where, coding["display"], problems)
            if display is not None:
                texts[f"{item.id}:{allowed[str(code)]}"] = display
                worded.add(str(code))
    unworded = [code for code in allowed if code not in worded]
    if unworded:
        # A patient cannot choose a statement they cannot read (an ODI section or
        # STarT Back item 9 shown as bare numbers would be a different questionnaire).
        problems.append(
            f"linkId {item.id!r}: answer options {', '.join(unworded)} have no text "
            "(valueCoding.display)."
        )


def parse_pack(instrument_id: str, raw: bytes) -> WordingPack:
    """Check an uploaded pack for ``instrument_id``; raise :class:`WordingPackError` if bad."""
    try:
        defn = get(instrument_id)
    except UnknownInstrument as exc:
        raise WordingPackError([str(exc)]) from None
    if not isinstance(raw, bytes | bytearray):
        raise WordingPackError(["The wording pack must be uploaded as a file."])
    if len(raw) > MAX_PACK_BYTES:
        raise WordingPackError(
            [f"The file is {len(raw)} bytes; the largest allowed is {MAX_PACK_BYTES} bytes."]
        )
    if not raw.strip():
        raise WordingPackError(["The file is empty."])
    try:
        data = json.loads(bytes(raw).decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise WordingPackError(["The file is not UTF-8 text."]) from None
    except (ValueError, RecursionError):
        raise WordingPackError(["The file is not valid JSON."]) from None
    if not isinstance(data, dict) or data.get("resourceType") != "Questionnaire":
        raise WordingPackError(["The file is not a FHIR Questionnaire (resourceType)."])
    problems: list[str] = []
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append("The pack has no version; add a 'version' string.")
    elif len(version) > 64:
        problems.append("The pack version is longer than 64 characters.")
    elif not version_matches(defn, version):
        problems.append(
            f"The pack version {version.strip()[:64]!r} does not match {defn.short_title} "
            f"version {defn.version} used by this clinic: set 'version' to "
            f"'{defn.version}' or '{defn.version}+<your label>' once the wording is checked "
            "against that version."
        )
    title = data.get("title", defn.title)
    if not isinstance(title, str) or len(title) > 200:
        problems.append("The pack title must be a string of at most 200 characters.")
        title = defn.title
    texts: dict[str, str] = {}
    seen: set[str] = set()
    _walk(defn, data.get("item"), 1, texts, seen, problems)
    absent = [i for i in defn.item_ids if i not in seen]
    if absent:
        problems.append(f"The pack has no wording for: {', '.join(absent)}.")
    if problems:
        raise WordingPackError(problems)
    return WordingPack(defn.id, str(version).strip(), title.strip() or defn.title, texts)


def version_matches(defn: InstrumentDefinition, version: str) -> bool:
    """A pack is for one definition version: ``"2.1a"`` or ``"2.1a+<clinic label>"``.

    Wording written for another version (e.g. ODI 1.0's painkiller statements) would be
    shown against items that mean something else (docs/clinical-rules.md,
    "Questionnaire scoring").
    """
    version = version.strip()
    return version == defn.version or version.startswith(defn.version + "+")


def placeholder_pack(instrument_id: str, version: str = "test-1") -> bytes:
    """A valid pack filled with obviously made-up text, for tests and demos only.

    It lets the wording-pack path be exercised without any licensed text in the repository.
    ``version`` is the clinic's label; the pack's version is ``<definition version>+<label>``.
    """
    defn = get(instrument_id)
    version = f"{defn.version}+{version}"
    items = []
    for item in defn.items:
        entry: dict[str, Any] = {"linkId": item.id, "text": f"Made-up wording for {item.id}"}
        if item.options:
            entry["answerOption"] = [
                {"valueCoding": {"code": str(o.value), "display": f"Made-up answer {o.value}"}}
                for o in item.options
            ]
        items.append(entry)
    pack = {
        "resourceType": "Questionnaire",
        "status": "draft",
        "version": version,
        "title": f"{defn.short_title} placeholder wording",
        "item": items,
    }
    return json.dumps(pack).encode("utf-8")


MAX_TABLE_ROWS = 400


def questionnaire_from_table(instrument_id: str, table: str, version: str) -> bytes:
    """Turn a pasted table or CSV file into a FHIR Questionnaire pack (JSON bytes).

    One row per text: ``item id,text`` for a question (``odi.1,…``) and
    ``item id:answer value,text`` for one of its answers (``odi.1:0,…``); commas or tabs
    separate the columns, an optional first row ``id,text`` is skipped.  The result
    goes through :func:`parse_pack`, so a table is checked exactly like a FHIR pack.
    """
    try:
        defn = get(instrument_id)
    except UnknownInstrument as exc:
        raise WordingPackError([str(exc)]) from None
    if len(table.encode("utf-8")) > MAX_PACK_BYTES:
        raise WordingPackError([f"The table is larger than {MAX_PACK_BYTES // 1024} KB."])
    lines = [line for line in table.splitlines() if line.strip()]
    if not lines:
        raise WordingPackError(["The table is empty."])
    # A spreadsheet pasted from the clipboard arrives tab-separated.
    delimiter = "\t" if any("\t" in line for line in lines) else ","
    problems: list[str] = []
    items: dict[str, dict[str, Any]] = {}
    options: dict[str, list[dict[str, Any]]] = {}
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    if rows and [c.strip().lower() for c in rows[0][:2]] == ["id", "text"]:
        rows = rows[1:]
    if len(rows) > MAX_TABLE_ROWS:
        raise WordingPackError([f"The table has more than {MAX_TABLE_ROWS} rows."])
    for number, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[0].strip():
            problems.append(f"Row {number}: give the item id, then the text.")
            continue
        key = row[0].strip()
        text = delimiter.join(row[1:]).strip()
        item_id, _, value = key.partition(":")
        if value:
            options.setdefault(item_id, []).append(
                {"valueCoding": {"code": value.strip(), "display": text}}
            )
        elif item_id in items:
            problems.append(f"Row {number}: {item_id!r} appears more than once.")
        else:
            items[item_id] = {"linkId": item_id, "text": text}
    for item_id, answer_options in options.items():
        if item_id not in items:
            problems.append(f"Answers are given for {item_id!r} but not its question text.")
            continue
        items[item_id]["answerOption"] = answer_options
    if problems:
        raise WordingPackError(problems)
    # The table is keyed by this definition's item ids, so it is wording for this
    # definition version; the clinic's own label (a date, an edition) follows the "+".
    label = version.strip()
    if not version_matches(defn, label):
        label = f"{defn.version}+{label}"
    questionnaire = {
        "resourceType": "Questionnaire",
        "status": "active",
        "version": label,
        "title": defn.title,
        "item": list(items.values()),
    }
    raw = json.dumps(questionnaire, ensure_ascii=False).encode("utf-8")
    parse_pack(instrument_id, raw)
    return raw
