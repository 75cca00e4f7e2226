"""Hooks the treatment plugin offers other plugins.

Registered through ``PluginManifest.hookspecs``; implement them with
``clinic.hookspecs.hookimpl`` in your plugin's hooks module.
"""

from __future__ import annotations

from clinic.api.pure import hookspec


@hookspec
def treatment_modalities():
    """Modalities a therapist can plan and record.

    :returns: list of :class:`plugins.treatment.domain.modalities.ModalitySpec`.  Keys
        must be unique across all plugins (a duplicate stops the registry with an
        error naming both).  Each spec needs a required ``minutes`` int field bounded
        within 1..120 (``builtin.minutes_field()`` gives you one); its minutes are
        reported as billable services under ``service_key``.  The treatment plugin
        validates entries of your modality with the same engine as its own, so bounds
        and choices you declare are enforced everywhere (plan, session, crafted POST).

    Example - a cupping modality with its own fields::

        from clinic.hookspecs import hookimpl
        from plugins.treatment.domain.builtin import minutes_field
        from plugins.treatment.domain.modalities import FieldSpec, ModalitySpec

        CUPPING = ModalitySpec(
            key="cupping",
            label="Cupping",
            description="Suction cups left in place or glided over the muscle.",
            fields=(
                FieldSpec("region", "Region", "region"),
                FieldSpec("cups", "Number of cups", "int", min=1, max=20),
                FieldSpec("method", "Method", "choice",
                          choices=(("static", "Static"), ("gliding", "Gliding"))),
                FieldSpec("suction", "Suction (0-10)", "int", min=0, max=10, warn_max=7),
                minutes_field(warn_max=15),
            ),
            plan_fields=(FieldSpec("regions", "Areas", "regions"), minutes_field()),
            timed=True,
            service_key="cupping.session",
        )

        @hookimpl
        def treatment_modalities():
            return [CUPPING]
    """
