"""Configuration comes from the environment with safe defaults; secrets are never constants."""

from __future__ import annotations

import os
import stat

from clinic import create_app
from clinic.config import from_environment, load_secret_key


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv("CLINIC_SECRET_KEY", raising=False)
    first = load_secret_key(tmp_path)
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first) >= 32
    assert load_secret_key(tmp_path) == first  # reused on the next start


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINIC_SECRET_KEY", "k" * 40)
    assert load_secret_key(tmp_path) == "k" * 40
    assert not (tmp_path / "secret_key").exists()


def test_defaults(tmp_path, monkeypatch):
    for name in (
        "CLINIC_DATABASE_URL",
        "CLINIC_PLUGINS",
        "CLINIC_IDLE_TIMEOUT_MINUTES",
        "CLINIC_SECURE_COOKIES",
        "CLINIC_SAFE_MODE",
    ):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    assert config["CLINIC_PLUGINS"] is None  # every bundled plugin
    assert config["CLINIC_IDLE_TIMEOUT_MINUTES"] == 15
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["CLINIC_SAFE_MODE"] is False


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINIC_DATABASE_URL", "postgresql+psycopg://u:p@db/clinic")
    monkeypatch.setenv("CLINIC_PLUGINS", "intake, treatment,")
    monkeypatch.setenv("CLINIC_IDLE_TIMEOUT_MINUTES", "30")
    monkeypatch.setenv("CLINIC_NAME", "Back in Balance")
    config = from_environment(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/clinic"
    assert config["CLINIC_PLUGINS"] == ["intake", "treatment"]
    assert config["CLINIC_IDLE_TIMEOUT_MINUTES"] == 30
    assert config["CLINIC_NAME"] == "Back in Balance"


def test_clinic_details_are_editable_by_an_admin_and_used_on_prints(signed_in):
    from clinic.testing import make_patient

    admin, _ = signed_in("admin")
    response = admin.post_form(
        "/admin/clinic",
        {
            "name": "Back in Balance",
            "address": "1 Main St",
            "phone": "555-0100",
            "npi": "1234567893",
        },
    )
    assert response.status_code == 302
    assert admin.post_form("/admin/clinic", {"name": "x", "npi": "12ab"}).status_code == 200
    patient = make_patient()
    pdf = admin.get(f"/patients/{patient.id}/face-sheet.pdf").data
    from tests.test_pdf import pdf_text

    assert "Back in Balance" in pdf_text(pdf)


def test_wsgi_module_builds_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINIC_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("CLINIC_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
