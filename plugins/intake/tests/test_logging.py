"""The intake plugin logs to its own logger, ``clinic.plugins.intake``, with ids only."""

from __future__ import annotations

from clinic.testing import make_patient


def test_a_refused_tablet_request_is_logged_to_the_plugin_logger(app, client, caplog):
    patient = make_patient(last_name="Privateperson")
    caplog.set_level("WARNING", logger="clinic.plugins.intake")
    response = client.get(f"/intake/tablet/p{patient.id}/not-a-real-token/")
    assert response.status_code == 404
    records = [r for r in caplog.records if r.name == "clinic.plugins.intake"]
    assert records and "unknown token" in records[0].getMessage()
    assert "Privateperson" not in records[0].getMessage()
