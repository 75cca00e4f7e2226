"""Patient charts, and patients' alerts, kept between requests until something they
show changes.

Drawing a chart asks every plugin for its panels, alerts and summary facts: most of a
chart view's work, and the same answer each time until the patient's records (or
something clinic-wide: a setting, a user, the instruments) change.  A drawn chart is
kept in this process under a key that names everything it was drawn from:

* the patient and both data versions (:mod:`clinic.versions`), read in the request's
  own transaction, so any committed change (by any process or server) makes a new key;
* the signed-in user (what they may see and do) and the clinic day (ages, "today",
  expiries).

A patient's alerts (the banner on every page about them, the rows of a search) are
kept the same way, per patient and user, so a page of search results asks the plugins
only about patients whose records changed.

The kept chart is never shown to anyone else, never outlives a change, and is used
only when every enabled plugin declares ``chart_cacheable`` (everything it draws on a
chart comes from stored rows, the user and the day).  Each view is still audited,
and the page around the chart (top bar, messages) is drawn fresh.  The form token in
a chart belongs to one sign-in session, so it is taken out before the chart is kept
and the viewer's own token is put in when it is shown.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app
from flask_wtf.csrf import generate_csrf

from clinic import versions
from clinic.clock import clinic_today
from clinic.extensions import db

# Stands for the form token in a kept chart.  Escaped text can never contain "<", so
# nothing a user typed can be mistaken for it.
TOKEN_SLOT = "<clinic-form-token>"  # noqa: S105 -- a placeholder, not a secret


@dataclass(frozen=True)
class KeptChart:
    html: str
    panel_ids: tuple[str, ...]


class ChartCache:
    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._kept: OrderedDict[tuple, KeptChart] = OrderedDict()
        self._alerts: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def _allowed(self) -> bool:
        if self.entries <= 0 or not current_app.extensions["clinic"].chart_cacheable:
            return False
        session = db.session
        # A request that has changed something sees its own uncommitted rows: what it
        # draws must not be kept under numbers that stand for committed data.
        return not (versions.changed_in_transaction(session) or session.new or session.dirty)

    def key(self, patient, user) -> tuple | None:
        """The key the chart drawn now for ``user`` would be kept under, or None when
        it must not be kept (or looked up) at all."""
        if not self._allowed():
            return None
        clinic_wide, own = versions.current(db.session, patient.id)
        return (patient.id, clinic_wide, own, user.id, user.role, clinic_today())

    def alert_keys(self, patient_ids, user) -> dict[int, tuple]:
        """Patient id -> the key that patient's alerts for ``user`` are kept under
        (empty when they must not be kept)."""
        if not patient_ids or user is None or not self._allowed():
            return {}
        clinic_wide, own = versions.current_many(db.session, patient_ids)
        today = clinic_today()
        return {
            patient_id: (patient_id, clinic_wide, version, user.id, user.role, today)
            for patient_id, version in own.items()
        }

    def get(self, key: tuple) -> KeptChart | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        if kept is None:
            return None
        return KeptChart(kept.html.replace(TOKEN_SLOT, generate_csrf()), kept.panel_ids)

    def put(self, key: tuple, html: str, panel_ids) -> None:
        # Drawing may itself have written (it should not): then it is not kept.
        if not self._allowed():
            return
        kept = KeptChart(html.replace(generate_csrf(), TOKEN_SLOT), tuple(panel_ids))
        self._keep(self._kept, key, kept, self.entries)

    def get_alerts(self, key: tuple) -> list | None:
        with self._lock:
            kept = self._alerts.get(key)
            if kept is not None:
                self._alerts.move_to_end(key)
        return None if kept is None else list(kept)

    def put_alerts(self, key: tuple, alerts: list) -> None:
        if self._allowed():
            # Alerts are small: many more patients' are kept than whole charts.
            self._keep(self._alerts, key, tuple(alerts), self.entries * 20)

    def _keep(self, store: OrderedDict, key: tuple, value, limit: int) -> None:
        with self._lock:
            store[key] = value
            store.move_to_end(key)
            while len(store) > limit:
                store.popitem(last=False)
