"""The three modalities this clinic uses, registered through the same hook a
third-party modality would use.

Ranges, defaults and checks are written out with their sources in
docs/clinical-rules.md (hot-pack defaults 70-75 degrees C, 6-8 towel layers, 15-20
minutes, first skin check at 5 minutes then every 5; counterstrain hold 90 s and a
70 % tenderness reduction) - each of those is a setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.treatment.domain import vocab
from plugins.treatment.domain.coerce import fmt
from plugins.treatment.domain.modalities import FieldSpec, ModalitySpec, setting_number

# Every setting the domain reads, with the domain brief's defaults.
SETTINGS_DEFAULTS: dict[str, Any] = {
    "hot_pack_tank_temp_min": 70,
    "hot_pack_tank_temp_max": 75,
    "hot_pack_towel_layers_min": 6,
    "hot_pack_towel_layers_max": 8,
    "hot_pack_minutes_min": 15,
    "hot_pack_minutes_max": 20,
    # What a new hot-pack entry starts from: inside the ranges above.
    "hot_pack_tank_temp_default": 72,
    "hot_pack_towel_layers_default": 7,
    "hot_pack_minutes_default": 15,
    "hot_pack_first_skin_check_minute": 5,
    "hot_pack_skin_check_every": 5,
    "prt_hold_seconds_default": 90,  # counterstrain: hold 90 s
    # Counterstrain aims for at least this tenderness reduction in the position of
    # comfort; below it the note asks whether the position was held long enough.
    "prt_target_reduction_percent": 70,
    # A written reason to treat over a contraindicated region: at least this long.
    "override_reason_min_chars": 10,
    "unsigned_note_hours": 24,
    "reeval_every_visits": 10,  # Medicare: a progress report by every 10th visit
    "plan_end_warning_days": 7,
}

# Hard limits: what cannot be true whatever the clinic's habits.
MINUTES_MIN, MINUTES_MAX = 1, 120
HOLD_SECONDS_MIN, HOLD_SECONDS_MAX = 1, 600


def minutes_field(**overrides: Any) -> FieldSpec:
    """The ``minutes`` field every modality needs (1..120); reuse it in your own spec."""
    base: dict[str, Any] = {
        "name": "minutes",
        "label": "Minutes",
        "type": "int",
        "min": MINUTES_MIN,
        "max": MINUTES_MAX,
        "unit": "min",
        "help": "Time spent on this modality.",
    }
    base.update(overrides)
    return FieldSpec(**base)


def _rating(name: str, label: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, label, "int", min=0, max=10, **kw)


def _treated_regions() -> FieldSpec:
    # Checked against local contraindications (and, for heat, heat findings) like every
    # other entry's regions; the same region codes as the pain diagram.
    return FieldSpec(
        "regions",
        "Body regions treated",
        "regions",
        help="Every area you worked on; checked against local contraindications.",
    )


def _hold_fits_minutes(values: dict[str, Any], errors: dict[str, str]) -> None:
    hold, minutes = values.get("hold_seconds"), values.get("minutes")
    if isinstance(hold, int) and isinstance(minutes, int) and hold > minutes * 60:
        errors["hold_seconds"] = (
            f"A hold of {hold} seconds does not fit in the {minutes} minutes recorded."
        )


def _check_nmt(values: dict[str, Any], settings: Mapping[str, Any], errors, warnings) -> None:
    _hold_fits_minutes(values, errors)
    before, after = values.get("tenderness_before"), values.get("tenderness_after")
    if isinstance(before, int) and isinstance(after, int) and after > before:
        warnings.append(
            f"Tenderness rose from {before} to {after}: record how the patient responded."
        )


def _check_prt(values: dict[str, Any], settings: Mapping[str, Any], errors, warnings) -> None:
    _hold_fits_minutes(values, errors)
    target = setting_number(
        settings,
        "prt_target_reduction_percent",
        SETTINGS_DEFAULTS["prt_target_reduction_percent"],
    )
    reduction = values.get("percent_reduction")
    if isinstance(reduction, int) and reduction < target:
        warnings.append(
            f"Tenderness fell only {reduction} % in the position (target {fmt(target)} %): "
            "was the position fine-tuned and held long enough?"
        )
    before, after = values.get("tenderness_before"), values.get("tenderness_after")
    if values.get("tenderness_scale") == "baseline_10" and isinstance(before, int) and before != 10:
        errors["tenderness_before"] = (
            "With the baseline-10 scale the tenderness before treatment is 10 by definition."
        )
        return
    if isinstance(before, int) and isinstance(after, int) and after > before:
        warnings.append(
            f"Tenderness rose from {before} to {after}: record how the patient responded."
        )


# Skin responses to a hot pack that are reactions, not the expected even redness: each
# needs its follow-up written before the note is signed.
SKIN_REACTIONS = frozenset({"persistent_redness", "mottling", "blister"})


def _hot_pack_sign_problems(values: Mapping[str, Any]) -> list[str]:
    reaction = values.get("skin_response") in SKIN_REACTIONS
    if reaction and not (values.get("follow_up") or "").strip():
        return ["Hot pack: write the follow-up for the skin reaction before signing."]
    return []


def _check_hot_pack(values: dict[str, Any], settings: Mapping[str, Any], errors, warnings) -> None:
    if "screen_confirmed" not in errors and values.get("screen_confirmed") is not True:
        errors["screen_confirmed"] = (
            "Confirm the heat contraindication screen before recording a hot pack."
        )
    response = values.get("skin_response")
    values["adverse_event"] = response in SKIN_REACTIONS
    if values["adverse_event"]:
        label = vocab.label_for(vocab.SKIN_RESPONSES, response).split(" (")[0].lower()
        warnings.append(
            f"Skin response was {label}: this is an adverse event. Record the follow-up and "
            "tell the supervising clinician."
        )
    checks = values.get("skin_checks")
    if "skin_checks" in errors or not checks:
        return
    first_due = setting_number(
        settings,
        "hot_pack_first_skin_check_minute",
        SETTINGS_DEFAULTS["hot_pack_first_skin_check_minute"],
    )
    every = setting_number(
        settings, "hot_pack_skin_check_every", SETTINGS_DEFAULTS["hot_pack_skin_check_every"]
    )
    if checks[0]["minute"] > first_due:
        warnings.append(
            f"The first skin check was at minute {checks[0]['minute']}; it is due by minute "
            f"{first_due}."
        )
    gaps = [b["minute"] - a["minute"] for a, b in zip(checks, checks[1:], strict=False)]
    minutes = values.get("minutes")
    if isinstance(minutes, int) and minutes - checks[-1]["minute"] > every:
        gaps.append(minutes - checks[-1]["minute"])
    if every and any(gap > every for gap in gaps):
        warnings.append(f"Skin checks were more than {every} minutes apart at least once.")


NMT = ModalitySpec(
    key="nmt",
    label="Neuromuscular therapy (NMT)",
    patient_labels={"es": "Terapia neuromuscular"},
    description="Sustained pressure on trigger points in a taut band until the tension eases.",
    fields=(
        FieldSpec("muscle", "Muscle", "choice", choices=vocab.MUSCLES),
        FieldSpec("side", "Side", "choice", choices=vocab.SIDES),
        _treated_regions(),
        FieldSpec(
            "trigger_point",
            "Trigger point",
            "choice",
            choices=vocab.TRIGGER_POINT_STATES,
            carry_over=False,
        ),
        FieldSpec(
            "referral_seen", "Referred pain reproduced", "bool", required=False, carry_over=False
        ),
        _rating(
            "pressure",
            "Pressure (patient-rated 0-10)",
            warn_max=8,
            help="Work to a tolerable discomfort, about 7-8 out of 10.",
        ),
        FieldSpec(
            "hold_seconds",
            "Hold (seconds)",
            "int",
            min=HOLD_SECONDS_MIN,
            max=HOLD_SECONDS_MAX,
            warn_min=5,
            warn_max=120,
            unit="s",
            help="Usually up to about a minute, or until the tension eases.",
        ),
        FieldSpec(
            "twitch_response", "Local twitch response", "bool", required=False, carry_over=False
        ),
        _rating("tenderness_before", "Tenderness before (0-10)", carry_over=False),
        _rating("tenderness_after", "Tenderness after (0-10)", carry_over=False),
        minutes_field(),
    ),
    plan_fields=(
        FieldSpec("regions", "Areas to treat", "regions"),
        minutes_field(label="Minutes per visit"),
        FieldSpec("notes", "Technique notes", "text", required=False, max=1000),
    ),
    timed=True,
    service_key="treatment.nmt",
    check=_check_nmt,
)

PRT = ModalitySpec(
    key="prt",
    label="Positional release therapy (PRT, strain-counterstrain)",
    patient_labels={"es": "Liberación posicional (tensión-contratensión)"},
    description=(
        "The patient is eased passively into the position in which a tender point stops "
        "hurting, held there, then slowly returned to neutral."
    ),
    fields=(
        FieldSpec("tender_point", "Tender point", "choice", choices=vocab.TENDER_POINTS),
        FieldSpec("side", "Side", "choice", choices=vocab.SIDES),
        _treated_regions(),
        FieldSpec(
            "tenderness_scale",
            "Tenderness scale",
            "choice",
            choices=vocab.TENDERNESS_SCALES,
            default="rating",
        ),
        _rating("tenderness_before", "Tenderness before (0-10)", carry_over=False),
        FieldSpec(
            "flexion_extension",
            "Position: flexion or extension",
            "choice",
            choices=vocab.FLEXION_EXTENSION,
        ),
        FieldSpec("side_bending", "Position: side-bending", "choice", choices=vocab.SIDE_BENDING),
        FieldSpec("rotation", "Position: rotation", "choice", choices=vocab.ROTATION),
        FieldSpec("position_notes", "Position details", "text", required=False, max=500),
        FieldSpec(
            "hold_seconds",
            "Hold (seconds)",
            "int",
            min=HOLD_SECONDS_MIN,
            max=HOLD_SECONDS_MAX,
            warn_min=60,
            warn_max=180,
            default=90,
            setting_key="prt_hold_seconds_default",
            unit="s",
            help="The usual hold is 90 seconds.",
        ),
        FieldSpec(
            "percent_reduction",
            "Tenderness reduction in position (%)",
            "int",
            min=0,
            max=100,
            unit="%",
            help="Aim for at least 70 % before holding.",
            carry_over=False,
        ),
        _rating("tenderness_after", "Tenderness after (0-10)", carry_over=False),
        minutes_field(),
    ),
    plan_fields=(
        FieldSpec("regions", "Areas to treat", "regions"),
        minutes_field(label="Minutes per visit"),
        FieldSpec(
            "hold_seconds",
            "Hold (seconds)",
            "int",
            min=HOLD_SECONDS_MIN,
            max=HOLD_SECONDS_MAX,
            warn_min=60,
            warn_max=180,
            default=90,
            setting_key="prt_hold_seconds_default",
            unit="s",
        ),
        FieldSpec("notes", "Technique notes", "text", required=False, max=1000),
    ),
    timed=True,
    service_key="treatment.prt",
    check=_check_prt,
)

_HOT_PACK_MINUTES = {
    "warn_min": SETTINGS_DEFAULTS["hot_pack_minutes_min"],
    "warn_max": SETTINGS_DEFAULTS["hot_pack_minutes_max"],
    "warn_min_setting": "hot_pack_minutes_min",
    "warn_max_setting": "hot_pack_minutes_max",
}

HOT_PACK = ModalitySpec(
    key="hot_pack",
    label="Hot pack",
    patient_labels={"es": "Compresa caliente húmeda"},
    description="Moist heat from a hydrocollator pack wrapped in towel layers.",
    fields=(
        FieldSpec("region", "Region", "region"),
        FieldSpec(
            "tank_temp_c",
            "Tank temperature (\u00b0C)",
            "float",
            min=0,
            max=100,
            warn_min=SETTINGS_DEFAULTS["hot_pack_tank_temp_min"],
            warn_max=SETTINGS_DEFAULTS["hot_pack_tank_temp_max"],
            warn_min_setting="hot_pack_tank_temp_min",
            warn_max_setting="hot_pack_tank_temp_max",
            unit="\u00b0C",
            help="Water temperature in degrees Celsius (liquid water: 0-100).",
            carry_over=False,
            default=SETTINGS_DEFAULTS["hot_pack_tank_temp_default"],
            setting_key="hot_pack_tank_temp_default",
        ),
        FieldSpec(
            "towel_layers",
            "Towel layers",
            "int",
            min=0,
            max=20,
            warn_min=SETTINGS_DEFAULTS["hot_pack_towel_layers_min"],
            warn_max=SETTINGS_DEFAULTS["hot_pack_towel_layers_max"],
            warn_min_setting="hot_pack_towel_layers_min",
            warn_max_setting="hot_pack_towel_layers_max",
            default=SETTINGS_DEFAULTS["hot_pack_towel_layers_default"],
            setting_key="hot_pack_towel_layers_default",
        ),
        minutes_field(
            default=SETTINGS_DEFAULTS["hot_pack_minutes_default"],
            setting_key="hot_pack_minutes_default",
            **_HOT_PACK_MINUTES,
        ),
        FieldSpec(
            "skin_checks",
            "Skin checks (minute: finding)",
            "skin_checks",
            help="One line per check, e.g. '5: even pink'.",
            carry_over=False,
        ),
        FieldSpec(
            "skin_response",
            "Skin response",
            "choice",
            choices=vocab.SKIN_RESPONSES,
            carry_over=False,
        ),
        FieldSpec(
            "follow_up",
            "Follow-up for a skin reaction",
            "text",
            required=False,
            max=1000,
            carry_over=False,
        ),
        FieldSpec(
            "sensation_test",
            "Sensation test before heat (how tested, result)",
            "text",
            required=False,
            max=500,
            help="Needed before the first hot pack when diabetes or neuropathy is on file.",
            carry_over=False,
        ),
        FieldSpec(
            "screen_confirmed",
            "Heat contraindication screen confirmed",
            "bool",
            help="No numbness, poor circulation, acute inflammation or cancer in the area.",
            carry_over=False,
        ),
    ),
    plan_fields=(
        FieldSpec("regions", "Areas to heat", "regions"),
        minutes_field(
            label="Minutes per visit",
            default=SETTINGS_DEFAULTS["hot_pack_minutes_default"],
            setting_key="hot_pack_minutes_default",
            **_HOT_PACK_MINUTES,
        ),
    ),
    applies_heat=True,
    timed=False,
    service_key="treatment.hot_pack",
    check=_check_hot_pack,
    sign_check=_hot_pack_sign_problems,
)

BUILTIN: tuple[ModalitySpec, ...] = (NMT, PRT, HOT_PACK)
