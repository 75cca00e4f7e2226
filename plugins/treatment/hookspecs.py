"""Hooks the treatment plugin offers other plugins.

Registered through ``PluginManifest.hookspecs``; implement them with ``hookimpl`` from
``clinic.api`` in your plugin's hooks module.  Nothing here asks you to import the
treatment plugin: a modality is described as plain data.
"""

from __future__ import annotations

from clinic.api.pure import hookspec


@hookspec
def treatment_modalities():
    """Modalities a therapist can plan and record.

    :returns: a list of modalities, each described as plain data (a dict), so your
        plugin never imports the treatment plugin.  Keys:

        * ``key`` (unique across all plugins: a duplicate stops the registry with an
          error naming both), ``label``, ``description``;
        * ``fields``: the inputs of one session entry, each a dict with ``name``,
          ``label``, ``type`` (``int``, ``float``, ``choice``, ``bool``, ``text``,
          ``region``, ``regions``, ``time``) and optionally ``choices`` (pairs of value
          and label), ``required``, ``min``/``max`` (outside is refused),
          ``warn_min``/``warn_max`` (outside is accepted with a warning), ``default``,
          ``unit``, ``help``, ``carry_over``.  One field must be ``minutes``: a required
          ``int`` bounded within 1..120; its minutes are reported as billable services;
        * ``plan_fields``: the parameters a plan records (same shape);
        * ``timed`` (one-on-one minutes, default true), ``service_key`` (the
          ``BillableService.service`` name), ``applies_heat`` (region fields are checked
          against heat contraindications);
        * ``patient_labels``: the name a patient reads on a handout, per language
          (``{"es": "Ventosas"}``); other languages get ``label``.

        The treatment plugin validates entries of your modality with the same engine as
        its own, so the bounds and choices you declare are enforced everywhere (plan,
        session note, a crafted POST).  A malformed description stops with an error
        naming the modality.

    Example - a cupping modality with its own fields::

        from clinic.api import hookimpl

        MINUTES = {"name": "minutes", "label": "Minutes", "type": "int",
                   "min": 1, "max": 120, "unit": "min"}

        @hookimpl
        def treatment_modalities():
            return [{
                "key": "cupping",
                "label": "Cupping",
                "description": "Suction cups left in place or glided over the muscle.",
                "fields": [
                    {"name": "region", "label": "Region", "type": "region"},
                    {"name": "cups", "label": "Number of cups", "type": "int",
                     "min": 1, "max": 20},
                    {"name": "method", "label": "Method", "type": "choice",
                     "choices": [("static", "Static"), ("gliding", "Gliding")]},
                    {"name": "suction", "label": "Suction (0-10)", "type": "int",
                     "min": 0, "max": 10, "warn_max": 7},
                    {**MINUTES, "warn_max": 15},
                ],
                "plan_fields": [{"name": "regions", "label": "Areas", "type": "regions"},
                                MINUTES],
                "service_key": "cupping.session",
            }]
    """
