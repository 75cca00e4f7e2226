"""Static files get fingerprinted URLs and are cached for a year at that URL only."""

from __future__ import annotations

import re


def test_pages_link_fingerprinted_assets_that_browsers_keep(client):
    page = client.get("/auth/login", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'href="(/static/css/clinic\.css\?v=([0-9a-f]{12}))"', page)
    assert match, "the style sheet link carries no fingerprint"
    response = client.get(match.group(1))
    response.close()
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]


def test_an_old_or_missing_fingerprint_is_not_cached_for_long(client):
    for url in ("/static/css/clinic.css", "/static/css/clinic.css?v=000000000000"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200
        assert "max-age=31536000" not in response.headers.get("Cache-Control", "")


def test_plugin_static_files_are_fingerprinted_too(app):
    from flask import url_for

    with app.test_request_context():
        url = url_for("intake.static", filename="intake.css")
    assert re.search(r"\?v=[0-9a-f]{12}$", url), url


def test_pages_themselves_are_never_cached(client):
    assert client.get("/auth/login").headers["Cache-Control"] == "no-store, private"
