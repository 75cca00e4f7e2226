"""Sticky notes: short administrative reminders pinned to a patient's chart.

An outside developer's plugin, kept in the clinic's test suite as living documentation:
``docs/plugins.md`` walks through it file by file.  It imports nothing from the clinic but
``clinic.api`` (and ``clinic.testing`` in its tests).
"""

from pathlib import Path

from clinic.api import FRONT_DESK, THERAPIST, Permission, PluginManifest
from clinic_sticky import hooks
from clinic_sticky.views import bp

manifest = PluginManifest(
    name="sticky",
    title="Sticky notes",
    version="1.1.0",
    core_requires=">=0.1,<1.0",
    blueprint=bp,
    hooks=hooks,
    models="clinic_sticky.models",
    permissions=(
        Permission("sticky.view", "Read sticky notes on a chart", (FRONT_DESK, THERAPIST)),
        Permission("sticky.add", "Pin a sticky note to a chart", (FRONT_DESK,)),
    ),
    settings={"max_length": 200},
    migrations=Path(__file__).parent / "migrations" / "versions",
    route_policy="clinic_sticky.tests.route_policy",
    description="Short administrative reminders pinned to a patient.",
)
