"""Prefill of a routine visit and multi-valued form input."""

from __future__ import annotations

from plugins.treatment.domain.builtin import HOT_PACK, NMT, PRT
from plugins.treatment.domain.modalities import prefill_entry, validate_entry

LAST_NMT = {
    "muscle": "piriformis",
    "side": "right",
    "trigger_point": "active",
    "referral_seen": True,
    "pressure": 6,
    "hold_seconds": 45,
    "twitch_response": True,
    "tenderness_before": 7,
    "tenderness_after": 3,
    "minutes": 20,
}
LAST_HOT = {
    "region": "lower_back_l",
    "tank_temp_c": 72.0,
    "towel_layers": 7,
    "minutes": 15,
    "skin_checks": [{"minute": 5, "finding": "pink"}],
    "skin_response": "blister",
    "follow_up": "Seen by nurse",
    "screen_confirmed": True,
    "adverse_event": True,
}


def test_previous_session_carries_technique_but_not_observations():
    values = prefill_entry(NMT, previous=LAST_NMT)
    assert values == {
        "muscle": "piriformis",
        "side": "right",
        "pressure": 6,
        "hold_seconds": 45,
        "minutes": 20,
    }


def test_hot_pack_screen_skin_checks_and_reaction_are_never_carried_over():
    values = prefill_entry(HOT_PACK, previous={**LAST_HOT, "tank_temp_c": 74.5})
    # The tank temperature is measured anew each time: the default, not last visit's.
    assert values == {"region": "lower_back_l", "towel_layers": 7, "minutes": 15, "tank_temp_c": 72}


def test_plan_parameters_fill_minutes_hold_and_the_first_region():
    plan = {"regions": ["buttock_l", "lower_back_l"], "minutes": 20, "notes": "slow"}
    assert prefill_entry(HOT_PACK, plan_values=plan) == {
        "region": "buttock_l",
        "minutes": 20,
        "tank_temp_c": 72,
        "towel_layers": 7,
    }
    prt = prefill_entry(PRT, plan_values={"regions": ["lower_back_r"], "hold_seconds": 120})
    assert prt == {"tenderness_scale": "rating", "hold_seconds": 120, "regions": ["lower_back_r"]}


def test_previous_session_wins_over_plan_and_plan_over_defaults():
    values = prefill_entry(
        PRT,
        plan_values={"minutes": 10, "hold_seconds": 100},
        previous={"minutes": 12, "tenderness_before": 8},
        settings={"prt_hold_seconds_default": 80},
    )
    assert values == {"tenderness_scale": "rating", "hold_seconds": 100, "minutes": 12}
    assert prefill_entry(PRT, settings={"prt_hold_seconds_default": 80})["hold_seconds"] == 80


def test_prefill_ignores_fields_the_modality_does_not_have():
    assert "colour" not in prefill_entry(NMT, previous={**LAST_NMT, "colour": "red"})


class FakeMultiDict(dict):
    """The shape of werkzeug's MultiDict: .get gives the first value, .getlist all."""

    def __init__(self, pairs):
        super().__init__()
        self._lists: dict[str, list[str]] = {}
        for key, value in pairs:
            self._lists.setdefault(key, []).append(value)
            self.setdefault(key, value)

    def getlist(self, key):
        return list(self._lists.get(key, []))


def test_multi_select_regions_from_a_form_keep_every_value():
    form = FakeMultiDict(
        [("regions", "lower_back_l"), ("regions", "lower_back_r"), ("minutes", "15")]
    )
    values = validate_entry(HOT_PACK, form, plan=True).values
    assert values["regions"] == ["lower_back_l", "lower_back_r"]
    single = FakeMultiDict([("regions", "lower_back_l,buttock_l"), ("minutes", "15")])
    assert validate_entry(HOT_PACK, single, plan=True).values["regions"] == [
        "lower_back_l",
        "buttock_l",
    ]


def test_a_first_hot_pack_entry_starts_from_the_settings_defaults():
    from plugins.treatment.domain.builtin import HOT_PACK, SETTINGS_DEFAULTS
    from plugins.treatment.domain.modalities import entry_defaults

    values = entry_defaults(HOT_PACK, SETTINGS_DEFAULTS)
    assert (values["tank_temp_c"], values["towel_layers"], values["minutes"]) == (72, 7, 15)
    clinic = {
        **SETTINGS_DEFAULTS,
        "hot_pack_tank_temp_default": 71,
        "hot_pack_minutes_default": "20",
    }
    values = entry_defaults(HOT_PACK, clinic)
    assert (values["tank_temp_c"], values["minutes"]) == (71, 20)
    assert entry_defaults(HOT_PACK, SETTINGS_DEFAULTS, plan=True)["minutes"] == 15
