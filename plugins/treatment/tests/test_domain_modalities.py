"""The modality registry and the entry engine, shown with a third-party modality."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from plugins.treatment.domain.builtin import BUILTIN, HOT_PACK, NMT, PRT, minutes_field
from plugins.treatment.domain.modalities import (
    EntryError,
    FieldSpec,
    ModalitySpec,
    check_spec,
    entry_defaults,
    entry_regions,
    field_default,
    registry,
    setting_number,
    validate_entry,
)

# What another plugin would register through the treatment_modalities hook.
CUPPING = ModalitySpec(
    key="cupping",
    label="Cupping",
    description="Suction cups left in place or glided over the muscle.",
    fields=(
        FieldSpec("region", "Region", "region"),
        FieldSpec("cups", "Number of cups", "int", min=1, max=20),
        FieldSpec(
            "method", "Method", "choice", choices=(("static", "Static"), ("gliding", "Gliding"))
        ),
        FieldSpec("suction", "Suction (0-10)", "int", min=0, max=10, warn_max=7),
        FieldSpec("oil", "Oil used", "bool", required=False),
        FieldSpec("started_at", "Started at", "time", required=False),
        FieldSpec("remarks", "Remarks", "text", required=False, max=20),
        minutes_field(warn_max=15),
    ),
    plan_fields=(FieldSpec("regions", "Areas", "regions"), minutes_field()),
    service_key="cupping.session",
)

GOOD_CUPPING = {
    "region": "lower_back_r",
    "cups": "4",
    "method": "static",
    "suction": "5",
    "minutes": "10",
}


def refused(spec, raw, **kw) -> dict[str, str]:
    with pytest.raises(EntryError) as info:
        validate_entry(spec, raw, **kw)
    return info.value.errors


def test_third_party_modality_is_validated_by_the_same_engine():
    result = validate_entry(CUPPING, GOOD_CUPPING)
    assert result.values == {
        "region": "lower_back_r",
        "cups": 4,
        "method": "static",
        "suction": 5,
        "oil": False,
        "started_at": None,
        "remarks": "",
        "minutes": 10,
    }
    assert result.warnings == ()


def test_third_party_modality_gets_refusals_and_warnings_from_its_own_bounds():
    assert set(refused(CUPPING, {**GOOD_CUPPING, "cups": "0", "method": "fire"})) == {
        "cups",
        "method",
    }
    warned = validate_entry(CUPPING, {**GOOD_CUPPING, "suction": "8", "minutes": "16"})
    assert len(warned.warnings) == 2
    assert any("Suction" in w for w in warned.warnings)
    assert any("Minutes" in w for w in warned.warnings)


def test_registry_accepts_builtins_and_a_new_modality_together():
    modalities = registry([*BUILTIN, CUPPING])
    assert list(modalities) == ["nmt", "prt", "hot_pack", "cupping"]
    assert modalities["cupping"] is CUPPING


def test_registry_refuses_a_duplicate_key_naming_both_modalities():
    impostor = dataclasses.replace(CUPPING, key="nmt", label="Cupping")
    with pytest.raises(ValueError) as info:
        registry([*BUILTIN, impostor])
    message = str(info.value)
    assert "'nmt'" in message
    assert NMT.label in message and "Cupping" in message


@pytest.mark.parametrize(
    "broken, problem",
    [
        (dataclasses.replace(CUPPING, key="Cupping!"), "key"),
        (dataclasses.replace(CUPPING, fields=CUPPING.fields[:-1]), "minutes"),
        (
            dataclasses.replace(CUPPING, fields=(*CUPPING.fields[:-1], minutes_field(max=240))),
            "minutes",
        ),
        (
            dataclasses.replace(CUPPING, fields=(*CUPPING.fields[:-1], minutes_field(min=0))),
            "minutes",
        ),
        (
            dataclasses.replace(
                CUPPING, fields=(*CUPPING.fields, FieldSpec("cups", "Cups again", "int"))
            ),
            "repeat",
        ),
        (
            dataclasses.replace(
                CUPPING, fields=(*CUPPING.fields, FieldSpec("shape", "Shape", "colour"))
            ),
            "unknown type",
        ),
        (
            dataclasses.replace(
                CUPPING, fields=(*CUPPING.fields, FieldSpec("shape", "Shape", "choice"))
            ),
            "no choices",
        ),
        (
            dataclasses.replace(
                CUPPING, fields=(*CUPPING.fields, FieldSpec("adverse_event", "AE", "bool"))
            ),
            "reserved",
        ),
        (dataclasses.replace(CUPPING, patient_labels={"es": ""}), "patient_labels"),
        (dataclasses.replace(CUPPING, patient_labels=["Ventosas"]), "patient_labels"),
    ],
)
def test_registry_refuses_malformed_modalities(broken, problem):
    with pytest.raises(ValueError, match=problem):
        registry([broken])


def test_patient_label_follows_the_handout_language_and_falls_back_to_the_label():
    cupping = dataclasses.replace(CUPPING, patient_labels={"es": "Ventosas"})
    assert registry([cupping])["cupping"].patient_label("es") == "Ventosas"
    assert cupping.patient_label("en") == "Cupping" == CUPPING.patient_label("es")
    assert NMT.patient_label("es") == "Terapia neuromuscular"


def test_registry_refuses_something_that_is_not_a_modality():
    with pytest.raises(ValueError, match="Not a ModalitySpec"):
        registry(["cupping"])
    with pytest.raises(ValueError, match="modality 'cupping' is not valid"):
        registry([{"key": "cupping"}])


def test_every_builtin_modality_passes_its_own_spec_check():
    for spec in BUILTIN:
        check_spec(spec)


def test_unknown_field_names_are_refused():
    errors = refused(CUPPING, {**GOOD_CUPPING, "temperature": "40"})
    assert errors == {"temperature": "Cupping has no field called 'temperature'."}


def test_derived_keys_in_input_are_ignored_and_recomputed():
    stored = {**GOOD_CUPPING, "adverse_event": True}
    assert "adverse_event" not in validate_entry(CUPPING, stored).values


def test_missing_required_fields_are_each_named():
    errors = refused(CUPPING, {})
    assert set(errors) == {"region", "cups", "method", "suction", "minutes"}
    assert errors["cups"] == "Number of cups is required."


def test_blank_strings_count_as_missing():
    errors = refused(CUPPING, {**GOOD_CUPPING, "cups": "   "})
    assert errors == {"cups": "Number of cups is required."}


@pytest.mark.parametrize("raw", ["4.5", "four", "1e3", True, 4.5, "", None])
def test_int_fields_refuse_anything_but_whole_numbers(raw):
    assert "cups" in refused(CUPPING, {**GOOD_CUPPING, "cups": raw})


@pytest.mark.parametrize("raw, expected", [("7", 7), (" 7 ", 7), (7, 7), (7.0, 7), ("+7", 7)])
def test_int_fields_accept_form_strings_and_stored_numbers(raw, expected):
    assert validate_entry(CUPPING, {**GOOD_CUPPING, "cups": raw}).values["cups"] == expected


@pytest.mark.parametrize(
    "cups, ok", [("0", False), ("1", True), ("20", True), ("21", False), ("-3", False)]
)
def test_hard_bounds_are_inclusive_and_refuse_outside(cups, ok):
    raw = {**GOOD_CUPPING, "cups": cups}
    if ok:
        validate_entry(CUPPING, raw)
    else:
        assert "not possible" in refused(CUPPING, raw)["cups"]


@pytest.mark.parametrize("suction, warns", [("7", False), ("8", True), ("0", False)])
def test_warning_bounds_are_inclusive(suction, warns):
    result = validate_entry(CUPPING, {**GOOD_CUPPING, "suction": suction})
    assert bool(result.warnings) is warns


@pytest.mark.parametrize(
    "raw, expected", [("on", True), ("true", True), ("1", True), ("off", False), (None, False)]
)
def test_bool_fields_read_checkbox_values(raw, expected):
    assert validate_entry(CUPPING, {**GOOD_CUPPING, "oil": raw}).values["oil"] is expected


def test_bool_fields_refuse_nonsense():
    assert "oil" in refused(CUPPING, {**GOOD_CUPPING, "oil": "maybe"})


def test_choice_fields_refuse_values_not_offered():
    assert refused(CUPPING, {**GOOD_CUPPING, "method": "Static"}) == {
        "method": "Method: Choose one of the listed options."
    }


def test_region_fields_only_take_shared_anatomy_codes():
    assert "region" in refused(CUPPING, {**GOOD_CUPPING, "region": "lower_back"})
    assert "region" in refused(CUPPING, {**GOOD_CUPPING, "region": "tail"})


def test_time_fields_parse_hours_and_minutes():
    values = validate_entry(CUPPING, {**GOOD_CUPPING, "started_at": "09:05"}).values
    assert values["started_at"] == dt.time(9, 5)
    assert "started_at" in refused(CUPPING, {**GOOD_CUPPING, "started_at": "25:00"})
    assert "started_at" in refused(CUPPING, {**GOOD_CUPPING, "started_at": "nine"})


def test_text_fields_are_trimmed_and_length_limited():
    values = validate_entry(CUPPING, {**GOOD_CUPPING, "remarks": "  fine  "}).values
    assert values["remarks"] == "fine"
    assert "remarks" in refused(CUPPING, {**GOOD_CUPPING, "remarks": "x" * 21})
    validate_entry(CUPPING, {**GOOD_CUPPING, "remarks": "x" * 20})


def test_plan_mode_validates_plan_fields_and_regions_lists():
    result = validate_entry(
        CUPPING, {"regions": "lower_back_l, lower_back_r,lower_back_l", "minutes": "10"}, plan=True
    )
    assert result.values == {"regions": ["lower_back_l", "lower_back_r"], "minutes": 10}
    assert validate_entry(CUPPING, {"regions": ["buttock_l"], "minutes": 10}, plan=True).values[
        "regions"
    ] == ["buttock_l"]
    assert set(refused(CUPPING, {"regions": "", "minutes": "10"}, plan=True)) == {"regions"}
    assert set(refused(CUPPING, {"regions": "nowhere", "minutes": "10"}, plan=True)) == {"regions"}
    # Session fields are unknown in a plan, and the other way round.
    assert "cups" in refused(
        CUPPING, {"regions": "buttock_l", "minutes": "10", "cups": 2}, plan=True
    )


def test_nothing_is_accepted_when_one_field_is_refused():
    with pytest.raises(EntryError) as info:
        validate_entry(CUPPING, {**GOOD_CUPPING, "suction": "9", "cups": "99"})
    assert set(info.value.errors) == {"cups"}
    assert info.value.warnings  # the suction warning is still reported alongside


def test_field_defaults_come_from_settings_when_named():
    hold = PRT.field("hold_seconds")
    assert field_default(hold) == 90
    assert field_default(hold, {"prt_hold_seconds_default": 60}) == 60
    # An environment override arrives as a string.
    assert field_default(hold, {"prt_hold_seconds_default": "120"}) == 120
    assert entry_defaults(PRT)["hold_seconds"] == 90
    assert entry_defaults(PRT, plan=True)["hold_seconds"] == 90
    assert "muscle" not in entry_defaults(NMT)


def test_warning_ranges_move_with_settings_including_string_settings():
    spec = HOT_PACK
    field = spec.field("tank_temp_c")
    assert field.warn_min_setting == "hot_pack_tank_temp_min"
    raw = {
        "region": "lower_back_l",
        "tank_temp_c": "68",
        "towel_layers": "7",
        "minutes": "15",
        "skin_checks": "5: pink\n10: pink",
        "skin_response": "normal_redness",
        "screen_confirmed": "on",
    }
    assert validate_entry(spec, raw).warnings
    assert validate_entry(spec, raw, settings={"hot_pack_tank_temp_min": "65"}).warnings == ()


def test_settings_never_loosen_the_hard_bounds():
    raw = {**GOOD_CUPPING, "minutes": "121"}
    assert "minutes" in refused(CUPPING, raw, settings={"hot_pack_minutes_max": 500})


def test_a_non_numeric_setting_is_a_configuration_error():
    raw = {
        "region": "lower_back_l",
        "tank_temp_c": "72",
        "towel_layers": "7",
        "minutes": "15",
        "skin_checks": "5: pink\n10: pink",
        "skin_response": "normal_redness",
        "screen_confirmed": "on",
    }
    with pytest.raises(ValueError, match="hot_pack_tank_temp_min"):
        validate_entry(HOT_PACK, raw, settings={"hot_pack_tank_temp_min": "warm"})


def test_regions_of_an_entry_from_its_region_fields():
    values = validate_entry(CUPPING, GOOD_CUPPING).values
    assert entry_regions(CUPPING, values) == ("lower_back_r",)
    assert entry_regions(HOT_PACK, {"region": "buttock_l"}) == ("buttock_l",)
    assert entry_regions(HOT_PACK, {"regions": ["neck_l", "neck_r"]}, plan=True) == (
        "neck_l",
        "neck_r",
    )


def test_an_entry_that_is_not_a_mapping_is_refused():
    with pytest.raises(EntryError) as info:
        validate_entry(CUPPING, ["cups", 4])
    assert set(info.value.errors) == {"entry"}


@pytest.mark.parametrize("bad", ["nan", "inf", float("nan"), True, "warm"])
def test_non_finite_or_non_numeric_settings_are_configuration_errors(bad):
    with pytest.raises(ValueError, match="hot_pack_minutes_max"):
        setting_number({"hot_pack_minutes_max": bad}, "hot_pack_minutes_max", 20)
