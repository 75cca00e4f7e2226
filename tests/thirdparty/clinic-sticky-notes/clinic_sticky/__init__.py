"""An outside developer's plugin, kept in the test suite as living documentation."""

from pathlib import Path

from clinic.api import FRONT_DESK, THERAPIST, Permission, PluginManifest
from clinic_sticky import hooks
from clinic_sticky.views import bp

manifest = PluginManifest(
    name="sticky",
    title="Sticky notes",
    version="1.0.0",
    core_requires=">=0.1,<1.0",
    blueprint=bp,
    hooks=hooks,
    models="clinic_sticky.models",
    permissions=(
        Permission("sticky.view", "Read sticky notes", (FRONT_DESK, THERAPIST)),
        Permission("sticky.add", "Add sticky notes", (FRONT_DESK,)),
    ),
    settings={"max_length": 200},
    migrations=Path(__file__).parent / "migrations" / "versions",
    description="Short administrative reminders pinned to a patient.",
)
