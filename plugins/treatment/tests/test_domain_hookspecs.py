"""The treatment_modalities hook: its documented example works as written."""

from __future__ import annotations

import inspect
import textwrap
import types

import pluggy

from clinic.api import PROJECT
from plugins.treatment import hookspecs
from plugins.treatment.domain.builtin import BUILTIN
from plugins.treatment.domain.modalities import registry, validate_entry


def _example_module() -> types.ModuleType:
    doc = inspect.getdoc(hookspecs.treatment_modalities)
    example = doc.split("Example - a cupping modality with its own fields::", 1)[1]
    module = types.ModuleType("cupping_example")
    exec(compile(textwrap.dedent(example), "cupping_example", "exec"), module.__dict__)  # noqa: S102 -- runs our own docstring
    return module


def test_the_docstring_example_registers_a_cupping_modality_through_pluggy():
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(_example_module(), name="cupping")
    contributed = [spec for result in pm.hook.treatment_modalities() for spec in result]
    modalities = registry([*BUILTIN, *contributed])
    assert "cupping" in modalities
    values = validate_entry(
        modalities["cupping"],
        {
            "region": "lower_back_l",
            "cups": "6",
            "method": "gliding",
            "suction": "8",
            "minutes": "12",
        },
    )
    assert values.values["cups"] == 6
    assert any("Suction" in w for w in values.warnings)


def test_with_no_other_plugin_the_hook_contributes_nothing():
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    assert pm.hook.treatment_modalities() == []


def test_a_malformed_modality_is_refused_naming_it():
    import pytest

    minutes = {"name": "minutes", "label": "Minutes", "type": "int", "min": 1, "max": 120}
    with pytest.raises(ValueError, match="modality 'cupping'"):
        registry(
            [
                {
                    "key": "cupping",
                    "label": "Cupping",
                    "description": "",
                    "fields": [minutes],
                    "colour": "red",
                }
            ]
        )
    with pytest.raises(ValueError, match="'cups' is not valid"):
        registry(
            [
                {
                    "key": "cupping",
                    "label": "Cupping",
                    "description": "",
                    "fields": [minutes, {"name": "cups", "label": "Cups", "kind": "int"}],
                }
            ]
        )
    with pytest.raises(ValueError, match="minutes"):
        registry([{"key": "cupping", "label": "Cupping", "description": "", "fields": []}])
