"""Handouts: a library of careful aftercare sheets (English and Spanish), edited in
Markdown with every save kept as a version, printed as one personalised PDF per
patient from the chart, after a session, or for everyone seen today."""

from pathlib import Path

from clinic.api import FRONT_DESK, THERAPIST, Permission, PluginManifest
from plugins.handouts import hooks
from plugins.handouts.views import bp

manifest = PluginManifest(
    name="handouts",
    # Its chart panels, alerts and facts come from its tables, the user and the day.
    chart_cacheable=True,
    title="Aftercare handouts",
    version="0.1.0",
    core_requires=">=0.1,<1.0",
    blueprint=bp,
    hooks=hooks,
    models="plugins.handouts.models",
    permissions=(
        Permission(
            "handouts.print",
            "Read the handout library, print personalised handouts, see what was given",
            (FRONT_DESK, THERAPIST),
        ),
        Permission(
            "handouts.edit",
            "Write and change handouts in the library (each save is a new version)",
            (THERAPIST,),
        ),
    ),
    settings={
        # Rendered PDFs kept for reprints (a printer jam); the oldest go first.
        "cache_entries": 300,
        "max_markdown_chars": 40_000,
        "max_instruction_chars": 4_000,
        "batch_workers": 2,
    },
    migrations=Path(__file__).parent / "migrations" / "versions",
    description="Aftercare handout library and personalised handout PDFs.",
)
