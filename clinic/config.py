"""Configuration read from the environment, with safe defaults.

Every setting a clinic may need to change is an environment variable named
``CLINIC_*``; nothing secret is ever a constant in the code.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {value!r}") from exc


def load_secret_key(instance_path: Path) -> str:
    """Return the session key from ``CLINIC_SECRET_KEY`` or from ``instance/secret_key``."""
    return load_key(instance_path, "secret_key", "CLINIC_SECRET_KEY")


def load_audit_key(instance_path: Path) -> str:
    """Return the audit log's HMAC key from ``CLINIC_AUDIT_KEY`` or ``instance/audit_key``.

    Separate from the session key: a leaked session key lets someone forge a cookie,
    and must not also let them rewrite the evidence of what they did with it.
    """
    return load_key(instance_path, "audit_key", "CLINIC_AUDIT_KEY")


def load_key(instance_path: Path, filename: str, env_var: str) -> str:
    """Return the key from ``env_var`` or from a 0600 file made on first start.

    Several workers may start at once, so the file is created with O_EXCL and a loser
    of that race simply reads the winner's key.
    """
    from_env = os.environ.get(env_var, "").strip()
    if from_env:
        if len(from_env) < 32:
            raise RuntimeError(f"{env_var} is too short; use at least 32 characters")
        return from_env
    key_file = instance_path / filename
    instance_path.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    os.chmod(key_file, 0o600)
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{key_file} holds a key that is too short; delete it to regenerate")
    return key


def from_environment(instance_path: Path) -> dict:
    """Build the Flask config mapping from ``CLINIC_*`` variables."""
    default_db = f"sqlite:///{instance_path / 'clinic.sqlite3'}"
    plugins = os.environ.get("CLINIC_PLUGINS")
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("CLINIC_DATABASE_URL", "").strip() or default_db,
        # None means "every bundled plugin"; an empty string means none.
        "CLINIC_PLUGINS": None
        if plugins is None
        else [p.strip() for p in plugins.split(",") if p.strip()],
        "CLINIC_SAFE_MODE": _env_bool("CLINIC_SAFE_MODE", False),
        "CLINIC_IDLE_TIMEOUT_MINUTES": _env_int("CLINIC_IDLE_TIMEOUT_MINUTES", 15),
        "CLINIC_PDF_TIMEOUT_SECONDS": _env_int("CLINIC_PDF_TIMEOUT_SECONDS", 30),
        # How much memory one PDF render may add to its (forked) worker process.
        "CLINIC_PDF_MEMORY_MB": _env_int("CLINIC_PDF_MEMORY_MB", 1024),
        # Drawn charts each process keeps until their data changes (0 keeps none).
        "CLINIC_CHART_CACHE_ENTRIES": _env_int("CLINIC_CHART_CACHE_ENTRIES", 300),
        "CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT": _env_int(
            "CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5
        ),
        "CLINIC_LOGIN_MAX_FAILURES_PER_ADDRESS": _env_int(
            "CLINIC_LOGIN_MAX_FAILURES_PER_ADDRESS", 20
        ),
        "CLINIC_LOGIN_WINDOW_MINUTES": _env_int("CLINIC_LOGIN_WINDOW_MINUTES", 15),
        # After the limit, each further counted failure doubles the wait, up to the cap;
        # attempts made while locked are refused without being counted.
        "CLINIC_LOGIN_LOCK_SECONDS": _env_int("CLINIC_LOGIN_LOCK_SECONDS", 30),
        "CLINIC_LOGIN_LOCK_MAX_MINUTES": _env_int("CLINIC_LOGIN_LOCK_MAX_MINUTES", 15),
        # Addresses (or networks) of reverse proxies whose X-Forwarded-For is believed.
        "CLINIC_TRUSTED_PROXIES": [
            p.strip() for p in os.environ.get("CLINIC_TRUSTED_PROXIES", "").split(",") if p.strip()
        ],
        "CLINIC_SESSION_MAX_HOURS": _env_int("CLINIC_SESSION_MAX_HOURS", 12),
        # Anonymous refusals: the first few per address and hour are logged one by one,
        # then only milestones (every attempt is still counted).
        "CLINIC_REFUSALS_LOGGED_PER_ADDRESS": _env_int("CLINIC_REFUSALS_LOGGED_PER_ADDRESS", 10),
        "CLINIC_REFUSALS_LOGGED_PER_HOUR": _env_int("CLINIC_REFUSALS_LOGGED_PER_HOUR", 100),
        "CLINIC_AUDIT_CHECKPOINT_FILE": os.environ.get("CLINIC_AUDIT_CHECKPOINT_FILE", "").strip()
        or str(instance_path / "audit_checkpoints.log"),
        "CLINIC_AUDIT_CHECKPOINT_COPY": os.environ.get("CLINIC_AUDIT_CHECKPOINT_COPY", "").strip(),
        "CLINIC_AUDIT_CHECKPOINT_SECONDS": _env_int("CLINIC_AUDIT_CHECKPOINT_SECONDS", 0),
        # Stored times are naive UTC; pages show them in this IANA zone (clinic/localtime.py).
        "CLINIC_TIME_ZONE": os.environ.get("CLINIC_TIME_ZONE", "").strip() or "America/New_York",
        "CLINIC_NAME": os.environ.get("CLINIC_NAME", "Our Clinic"),
        "CLINIC_ADDRESS": os.environ.get("CLINIC_ADDRESS", ""),
        "CLINIC_PHONE": os.environ.get("CLINIC_PHONE", ""),
        "CLINIC_NPI": os.environ.get("CLINIC_NPI", ""),
        # Paper for every printed document until an admin picks one (Letter or A4).
        "CLINIC_PAPER_SIZE": os.environ.get("CLINIC_PAPER_SIZE", "Letter"),
        # Plain-HTTP desk installs on 127.0.0.1 turn this off; anything reachable over a
        # network must run behind TLS with it on.
        "SESSION_COOKIE_SECURE": _env_bool("CLINIC_SECURE_COOKIES", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "clinic_session",
        "PERMANENT_SESSION_LIFETIME": 3600 * _env_int("CLINIC_SESSION_MAX_HOURS", 12),
        "WTF_CSRF_TIME_LIMIT": None,  # the server-side session decides how long a login lives
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
