"""The engine refuses every kind of bad answer with a clear message and cleans good ones."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import pathlib
import subprocess
import sys

import pytest

from plugins.intake.instruments import (
    CONSENT_TEXT,
    SCORED_IDS,
    Band,
    InstrumentDefinition,
    Item,
    Option,
    ResponseError,
    UnknownInstrument,
    all_definitions,
    get,
    validate,
    visible_items,
)

INTAKE = pathlib.Path(__file__).resolve().parents[1]
PURE_MODULES = [
    *sorted((INTAKE / "instruments").glob("*.py")),
    INTAKE / "scoring.py",
    *sorted((INTAKE / "screening").glob("*.py")),
    INTAKE / "fhir.py",
    INTAKE / "wording.py",
]


PINNED_CONSENT_DIGEST = "b2ab72f369c855573fb13c673991e042a9deca8559df65286c4296e061a3a248"


def refused(instrument, answers, **kw) -> dict[str, str]:
    with pytest.raises(ResponseError) as info:
        validate(instrument, answers, **kw)
    return info.value.errors


# --- the registry and definitions ----------------------------------------------------------


def test_all_bundled_instruments_are_registered():
    assert list(all_definitions()) == ["nprs", "odi", "rmdq", "sbst", "peg", "history", "consent"]
    assert SCORED_IDS == ("nprs", "odi", "rmdq", "sbst", "peg")
    assert {d.kind for d in all_definitions().values()} == {"scored", "screen", "consent"}


def test_unknown_instrument_raises_a_value_error_naming_the_known_ones():
    with pytest.raises(UnknownInstrument, match="nprs, odi"):
        get("oswestry")
    with pytest.raises(ValueError):
        validate("nope", {})


@pytest.mark.parametrize(
    ("instrument", "count", "first", "last"),
    [
        ("odi", 10, "odi.1", "odi.10"),
        ("rmdq", 24, "rmdq.1", "rmdq.24"),
        ("sbst", 9, "sbst.1", "sbst.9"),
        ("peg", 3, "peg.1", "peg.3"),
        ("nprs", 3, "nprs.now", "nprs.worst"),
    ],
)
def test_public_item_ids(instrument, count, first, last):
    ids = get(instrument).item_ids
    assert len(ids) == count and ids[0] == first and ids[-1] == last


@pytest.mark.parametrize(
    ("item_id", "values"),
    [
        ("odi.1", range(6)),
        ("rmdq.7", (1, 0)),
        ("sbst.1", (0, 1)),
        ("sbst.9", range(5)),
        ("peg.2", range(11)),
        ("nprs.now", range(11)),
    ],
)
def test_answer_values_are_the_documented_ones(item_id, values):
    defn = get(item_id.split(".")[0])
    assert set(defn.item(item_id).option_values) == set(values)


def test_licensed_instruments_need_a_pack_and_ours_do_not():
    needs = {d.id for d in all_definitions().values() if d.requires_wording_pack}
    assert needs == {"odi", "rmdq", "sbst", "peg"}
    assert all(d.licence_note for d in all_definitions().values())


def test_mcid_defaults_are_exposed():
    assert (get("nprs").mcid_points, get("odi").mcid_points, get("rmdq").mcid_points) == (2, 10, 5)
    assert get("odi").mcid_percent == 30
    assert get("odi").unit == "%" and get("odi").score_label == "Disability (%)"


def test_peg_bands_are_marked_as_a_project_choice():
    assert "PROJECT CHOICE" in get("peg").band_note
    assert [b.label for b in get("peg").bands] == ["mild", "moderate", "severe"]


def test_pages_group_items_in_order():
    pages = get("history").pages()
    titles = [title for title, _ in pages]
    assert titles[0] == "Warning signs"
    assert len(titles) == len(set(titles))
    assert sum(len(items) for _, items in pages) == len(get("history").items)


def test_definitions_refuse_inconsistent_items():
    with pytest.raises(ValueError, match="duplicate"):
        InstrumentDefinition(
            "x",
            "1",
            "X",
            "X",
            "scored",
            (Item("x.1", "a", "text"), Item("x.1", "b", "text")),
            "",
            False,
        )
    with pytest.raises(ValueError, match="earlier item"):
        InstrumentDefinition(
            "x",
            "1",
            "X",
            "X",
            "scored",
            (Item("x.1", "a", "text", show_if=("x.2", (1,))),),
            "",
            False,
        )
    with pytest.raises(ValueError, match="item type"):
        InstrumentDefinition("x", "1", "X", "X", "scored", (Item("x.1", "a", "slider"),), "", False)


def test_band_for_uses_inclusive_upper_edges():
    defn = InstrumentDefinition(
        "x", "1", "X", "X", "scored", (), "", False, bands=(Band("a", 1), Band("b", 2))
    )
    assert [defn.band_for(v) for v in (0, 1, 1.01, 2, 2.5, None)] == [
        "a",
        "a",
        "b",
        "b",
        None,
        None,
    ]


# --- refusals ------------------------------------------------------------------------------


def test_unknown_item_ids_are_refused():
    errors = refused("peg", {"peg.1": 1, "peg.2": 1, "peg.3": 1, "peg.4": 1, "odi.1": 2})
    assert set(errors) == {"peg.4", "odi.1"}
    assert "not an item of PEG" in errors["peg.4"]


def test_out_of_range_values_are_refused():
    assert "out of range" in refused("odi", {"odi.1": 6}, partial=True)["odi.1"]
    assert "out of range" in refused("odi", {"odi.1": -1}, partial=True)["odi.1"]
    assert "out of range" in refused("nprs", {"nprs.now": "11"})["nprs.now"]
    assert "out of range" in refused("rmdq", {"rmdq.1": 2})["rmdq.1"]


@pytest.mark.parametrize("bad", ["three", "3.5", 3.5, "", " ", "1e1", "0x3", True, [1, 2], {}])
def test_non_numeric_values_are_refused_or_blank(bad):
    if bad in ("", " "):
        # Blank is "not answered", which only matters for a required item.
        assert refused("nprs", {"nprs.now": bad}) == {"nprs.now": "This question needs an answer."}
        return
    errors = refused("nprs", {"nprs.now": bad})
    assert list(errors) == ["nprs.now"]


def test_integer_items_check_min_and_max():
    base = {"history.recent_surgery": True}
    assert (
        "too high"
        in refused("history", {**base, "history.surgery_weeks": 53}, partial=True)[
            "history.surgery_weeks"
        ]
    )
    assert (
        "too low"
        in refused("history", {**base, "history.surgery_weeks": -1}, partial=True)[
            "history.surgery_weeks"
        ]
    )
    assert (
        "whole number"
        in refused("history", {**base, "history.surgery_weeks": "six"}, partial=True)[
            "history.surgery_weeks"
        ]
    )
    assert (
        validate("history", {**base, "history.surgery_weeks": " 6 "}, partial=True)[
            "history.surgery_weeks"
        ]
        == 6
    )


def test_values_not_among_the_options_are_refused():
    errors = refused("history", {"history.pressure_preference": "very deep"}, partial=True)
    assert "not one of the listed answers" in errors["history.pressure_preference"]
    errors = refused("history", {"history.medications": ["aspirin"]}, partial=True)
    assert "history.medications" in errors


def test_text_over_max_length_is_refused():
    errors = refused("history", {"history.medication_list": "x" * 2001}, partial=True)
    assert "limit is 2000" in errors["history.medication_list"]
    cleaned = validate("history", {"history.medication_list": "  x" * 10}, partial=True)
    assert cleaned["history.medication_list"] == ("  x" * 10).strip()


def test_text_with_control_characters_is_refused():
    errors = refused("history", {"history.other_conditions": "ok\x00bad"}, partial=True)
    assert "history.other_conditions" in errors


def test_text_items_refuse_non_text():
    errors = refused("history", {"history.other_conditions": 12}, partial=True)
    assert "history.other_conditions" in errors


def test_a_different_version_is_refused():
    errors = refused("odi", {"odi.1": 1}, version="1.0", partial=True)
    assert "version 1.0" in errors[""] and "2.1a" in errors[""]
    assert validate("odi", {"odi.1": 1}, version="2.1a", partial=True) == {"odi.1": 1}


def test_answers_must_be_a_mapping():
    with pytest.raises(ResponseError):
        validate("nprs", [("nprs.now", 3)])


def test_required_items_are_enforced_unless_partial():
    errors = refused("peg", {"peg.1": 3})
    assert set(errors) == {"peg.2", "peg.3"}
    assert validate("peg", {"peg.1": 3}, partial=True) == {"peg.1": 3}


def test_error_message_lists_every_problem_readably():
    with pytest.raises(ResponseError) as info:
        validate("peg", {"peg.1": 99, "peg.9": 1})
    text = str(info.value)
    assert "peg.1: 99 is out of range" in text
    assert "peg.9" in text and "peg.2: This question needs an answer." in text


def test_two_marks_only_for_odi():
    assert validate("odi", {"odi.1": ["2", "4"]}, partial=True) == {"odi.1": 4}
    assert "odi.1" in refused("odi", {"odi.1": [1, 2, 3]}, partial=True)
    assert "peg.1" in refused("peg", {"peg.1": [1, 2], "peg.2": 1, "peg.3": 1})
    # A single-element list (as a form's getlist gives) is just the value.
    assert validate("peg", {"peg.1": ["1"], "peg.2": 1, "peg.3": 1})["peg.1"] == 1


# --- coercion ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("yes", True),
        ("on", True),
        ("1", True),
        (1, True),
        (True, True),
        ("false", False),
        ("no", False),
        ("0", False),
        (0, False),
        (False, False),
    ],
)
def test_booleans_accept_form_spellings(raw, expected):
    assert validate("history", {"history.fever": raw}, partial=True)["history.fever"] is expected


@pytest.mark.parametrize("raw", ["maybe", 2, "ja", 1.5])
def test_booleans_refuse_anything_else(raw):
    assert "yes or no" in refused("history", {"history.fever": raw}, partial=True)["history.fever"]


def test_multichoice_keeps_option_order_and_drops_duplicates():
    cleaned = validate(
        "history",
        {"history.numbness": "yes", "history.numbness_regions": ["foot_r", "head", "foot_r"]},
        partial=True,
    )
    assert cleaned["history.numbness_regions"] == ["head", "foot_r"]


def test_dates_are_iso_strings_and_bad_dates_are_refused():
    answers = {"consent.agree": "true", "consent.signature": "Ana Lima"}
    cleaned = validate("consent", {**answers, "consent.date": dt.date(2026, 3, 1)})
    assert cleaned["consent.date"] == "2026-03-01"
    assert validate("consent", {**answers, "consent.date": "2026-03-01"})["consent.date"] == (
        "2026-03-01"
    )
    assert (
        "YYYY-MM-DD"
        in refused("consent", {**answers, "consent.date": "31/02/2026"})["consent.date"]
    )
    assert "consent.date" in refused("consent", {**answers, "consent.date": "2026-02-30"})


def test_cleaned_answers_are_json_serialisable():
    cleaned = validate(
        "history",
        {
            "history.fever": "no",
            "history.recent_surgery": "yes",
            "history.surgery_weeks": "4",
            "history.recent_surgery_regions": ["knee_l"],
        },
        partial=True,
    )
    assert json.loads(json.dumps(cleaned)) == cleaned


# --- skip logic ----------------------------------------------------------------------------


def test_follow_up_questions_are_asked_only_after_yes():
    shown = {i.id for i in visible_items(get("history"), {"history.pregnant": False})}
    assert "history.pregnancy_weeks" not in shown
    shown = {i.id for i in visible_items(get("history"), {"history.pregnant": True})}
    assert {"history.pregnancy_weeks", "history.pregnancy_complications"} <= shown


def test_answers_to_hidden_items_are_dropped_even_if_invalid():
    cleaned = validate(
        "history",
        {"history.pregnant": "no", "history.pregnancy_weeks": "999", "history.fever": "no"},
        partial=True,
    )
    assert cleaned == {"history.pregnant": False, "history.fever": False}


def test_skip_logic_on_a_multichoice_answer():
    defn = get("history")
    base = {"history.medications": ["anticoagulant"]}
    assert "history.steroid_duration" not in {i.id for i in visible_items(defn, base)}
    with_steroid = {"history.medications": ["anticoagulant", "steroid"]}
    assert "history.steroid_duration" in {i.id for i in visible_items(defn, with_steroid)}


def test_required_follow_up_only_when_visible():
    complete = complete_history()
    validate("history", complete)  # bone_cancer is hidden when there is no cancer history
    errors = refused("history", {**complete, "history.cancer_history": True})
    assert set(errors) == {"history.bone_cancer", "history.cancer_treatment"}


def complete_history(**overrides):
    """Every always-visible required history item answered "no"."""
    defn = get("history")
    answers = {i.id: False for i in defn.items if i.type == "boolean" and i.show_if is None}
    answers.update(overrides)
    return answers


def test_a_complete_all_no_history_validates():
    assert validate("history", complete_history()) == complete_history()


# --- consent -------------------------------------------------------------------------------


def test_consent_needs_agreement_a_typed_name_and_a_date():
    errors = refused("consent", {})
    assert set(errors) == {"consent.agree", "consent.signature", "consent.date"}
    errors = refused(
        "consent",
        {"consent.agree": "false", "consent.signature": "A", "consent.date": "2026-01-01"},
    )
    assert "agree" in errors["consent.agree"]
    assert "full name" in errors["consent.signature"]
    cleaned = validate(
        "consent",
        {"consent.agree": "on", "consent.signature": " Ana Lima ", "consent.date": "2026-01-02"},
    )
    assert cleaned == {
        "consent.agree": True,
        "consent.signature": "Ana Lima",
        "consent.date": "2026-01-02",
    }


def test_consent_text_is_versioned_with_the_definition():
    defn = get("consent")
    assert defn.description == CONSENT_TEXT
    assert defn.version == "1.0"
    assert "stop" in CONSENT_TEXT and "does not diagnose" in CONSENT_TEXT


def test_consent_text_cannot_change_without_a_new_version():
    # If this fails you changed CONSENT_TEXT: bump CONSENT_TEXT_VERSION (stored consents must
    # keep pointing at the exact text the patient saw), then update the pinned digest here.
    digest = hashlib.sha256(CONSENT_TEXT.encode()).hexdigest()
    pinned = {"1.0": PINNED_CONSENT_DIGEST}
    assert pinned.get(get("consent").version) == digest


def test_signature_on_one_line_only():
    errors = refused(
        "consent",
        {"consent.agree": True, "consent.signature": "Ana\nLima", "consent.date": "2026-01-02"},
    )
    assert "one line" in errors["consent.signature"]


# --- purity --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: p.name)
def test_pure_modules_do_not_import_flask(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "werkzeug"}


def test_importing_the_engine_loads_no_flask_at_all():
    # plugins/intake/__init__.py holds the plugin manifest (Flask blueprint and all), so the
    # package is stood in for by a bare module: this checks what the pure modules pull in.
    code = (
        "import sys, types\n"
        f"package = types.ModuleType('plugins.intake'); package.__path__ = [{str(INTAKE)!r}]\n"
        "sys.modules['plugins.intake'] = package\n"
        "import plugins.intake.instruments, plugins.intake.scoring, plugins.intake.screening\n"
        "import plugins.intake.fhir, plugins.intake.wording\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=INTAKE.parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_no_copyrighted_wording_in_licensed_definitions():
    # Construct labels are ours and short; a pasted questionnaire sentence would be long.
    for instrument in ("odi", "rmdq", "sbst", "peg"):
        for item in get(instrument).items:
            assert len(item.label) < 70, item.id
            for option in item.options:
                assert len(option.label) < 40, (item.id, option.label)


def test_every_option_is_an_option():
    for defn in all_definitions().values():
        for item in defn.items:
            assert all(isinstance(o, Option) for o in item.options)
            if item.type in ("choice", "multichoice"):
                assert item.options, item.id


def test_visible_items_reads_raw_form_answers_too():
    defn = get("history")
    assert "history.pregnancy_weeks" in {
        i.id for i in visible_items(defn, {"history.pregnant": "yes"})
    }
    assert "history.pregnancy_weeks" not in {
        i.id for i in visible_items("history", {"history.pregnant": "perhaps"})
    }
    steroid = visible_items("history", {"history.medications": ["steroid"]})
    assert "history.steroid_duration" in {i.id for i in steroid}


def test_an_answer_without_an_item_id_is_refused():
    assert refused("peg", {"": 3}, partial=True) == {"": "An answer was sent without an item id."}


def test_a_flood_of_multichoice_values_is_refused():
    errors = refused("history", {"history.medications": ["other"] * 500}, partial=True)
    assert "more answers" in errors["history.medications"].lower()


def test_readme_lists_every_instrument_with_its_current_version():
    readme = (INTAKE / "instruments" / "README.md").read_text(encoding="utf-8")
    for defn in all_definitions().values():
        assert f"| `{defn.id}` | {defn.version} |" in readme, defn.id
