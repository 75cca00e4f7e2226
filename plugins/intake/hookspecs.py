"""Hooks the intake plugin offers other plugins.

Registered through ``PluginManifest.hookspecs``; implement them with ``hookimpl`` from
``clinic.api`` in your plugin's hooks module.  Nothing here asks you to import the intake
plugin: what you need is passed in.
"""

from __future__ import annotations

from clinic.api.pure import hookspec


@hookspec
def intake_instruments(kit):
    """Questionnaires (instruments) the front desk can put into an intake packet.

    :param kit: the definition types — ``kit.InstrumentDefinition``, ``kit.Item``,
        ``kit.Option``, ``kit.Band``, ``kit.Subscale`` — so your plugin builds
        definitions without importing the intake plugin.
    :returns: list of ``kit.InstrumentDefinition``.  Ids must be unique across all
        plugins (a duplicate stops with an error naming both); every item id starts with
        ``<instrument id>.``.  Use ``kind="screen"`` for a questionnaire whose answers are
        kept and shown but not scored (scoring formulas are the intake plugin's own).
        Administrators then add the instrument to a packet under *Intake packets*; the
        desk, the tablet and staff entry validate answers with the same engine as the
        bundled questionnaires.

    Example - a short sleep questionnaire::

        @hookimpl
        def intake_instruments(kit):
            return [kit.InstrumentDefinition(
                id="sleep", version="1.0", title="Sleep and pain", short_title="Sleep",
                kind="screen", licence_note="Written by our clinic.",
                requires_wording_pack=False,
                items=(
                    kit.Item("sleep.wakes", "How often does pain wake you at night?",
                             "choice", options=(kit.Option("never", "Never"),
                                                kit.Option("weekly", "Some nights a week"),
                                                kit.Option("nightly", "Most nights"))),
                    kit.Item("sleep.note", "Anything else about your sleep?", "text",
                             required=False, max_length=500),
                ),
            )]
    """
