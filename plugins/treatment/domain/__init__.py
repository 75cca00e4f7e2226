"""The treatment plugin's pure domain rules.

Nothing in this package imports Flask or the database: these modules take plain
values and return plain values, so the rules can be tested with worked examples and
reused by any layer (forms, views, PDF, other plugins through hooks).

- :mod:`.modalities` - the modality registry and the entry validation engine;
- :mod:`.builtin` - the three modalities this clinic uses (NMT, PRT, hot packs);
- :mod:`.vocab` - muscles, tender points, sides;
- :mod:`.rules` - session-level checks and the safety gates;
- :mod:`.plans` - plan arithmetic, status transitions, goals, re-evaluation;
- :mod:`.icd10` - the bundled back-pain diagnosis codes;
- :mod:`.hashing` - the content hash that seals a signed note;
- :mod:`.progress` - pain trend and visit counts for the progress view.
"""
