"""Clinic-wide settings an administrator can change in the app.

The environment gives defaults; a row in ``clinic_settings`` overrides them.  Values
are stored as JSON so numbers and booleans keep their type.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from clinic.extensions import db

CLINIC_DETAILS = {
    "clinic.name": ("CLINIC_NAME", "Clinic name"),
    "clinic.address": ("CLINIC_ADDRESS", "Address"),
    "clinic.phone": ("CLINIC_PHONE", "Phone"),
    "clinic.npi": ("CLINIC_NPI", "Group NPI"),
}


class Setting(db.Model):
    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


def _stored() -> dict[str, str]:
    """Every stored setting, read once per request (the table holds a few dozen rows).

    A page asks for many settings, most of them never stored; reading them one key at
    a time cost a query each.  The copy lives on the request object only, so a change
    is seen by the very next request.
    """
    if not has_request_context():
        return {s.key: s.value for s in db.session.scalars(select(Setting))}
    stored = request.__dict__.get("_clinic_settings")
    if stored is None:
        stored = {s.key: s.value for s in db.session.scalars(select(Setting))}
        request.__dict__["_clinic_settings"] = stored
    return stored


def get_setting(key: str, default: Any = None) -> Any:
    value = _stored().get(key)
    if value is None:
        return default
    return json.loads(value)


def has_setting(key: str) -> bool:
    """Whether ``key`` holds a value, without decoding it (a logo is a large value)."""
    return _stored().get(key) not in (None, "null")


def set_setting(key: str, value: Any) -> None:
    row = db.session.get(Setting, key)
    encoded = json.dumps(value)
    if row is None:
        db.session.add(Setting(key=key, value=encoded))
    else:
        row.value = encoded
    if has_request_context() and "_clinic_settings" in request.__dict__:
        request.__dict__["_clinic_settings"][key] = encoded


PAPER_SIZES = ("Letter", "A4")
LOGO_KEY = "clinic.logo"
PAPER_KEY = "clinic.paper_size"
# A letterhead logo is a few tens of kilobytes; the cap keeps every PDF render (which
# inlines it) and every settings read cheap.
LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_PIXELS = 4000


class LogoError(ValueError):
    pass


def clinic_detail(key: str) -> str:
    """One letterhead detail (a key of :data:`CLINIC_DETAILS`, e.g. ``clinic.name``): the
    administrator's stored value, else its environment setting."""
    env_key, _label = CLINIC_DETAILS[key]
    value = get_setting(key)
    return value if value is not None else current_app.config.get(env_key, "")


def clinic_details() -> dict[str, str]:
    """Name, address, phone and NPI for printed documents, plus the letterhead extras.

    ``logo`` is a ``data:`` URL (the only kind of image the PDF fetcher accepts besides
    packaged assets) or ``""``; ``paper`` is ``"Letter"`` or ``"A4"``.
    """
    # From the request's one read of every setting (the top bar asks on every page).
    details = {key.split(".", 1)[1]: clinic_detail(key) for key in CLINIC_DETAILS}
    logo = get_setting(LOGO_KEY)
    details["logo"] = f"data:{logo['mime']};base64,{logo['data']}" if logo else ""
    paper = get_setting(PAPER_KEY) or current_app.config.get("CLINIC_PAPER_SIZE", "Letter")
    details["paper"] = paper if paper in PAPER_SIZES else "Letter"
    return details


def checked_logo(data: bytes) -> dict[str, str]:
    """The stored form of an uploaded logo, or :class:`LogoError` saying why not.

    The type is decided by the bytes, never by the file name or the browser's claim:
    only PNG and JPEG magic numbers pass, and the image must decode completely, so an
    HTML page or an SVG with a script renamed ``logo.png`` is refused.
    """
    import base64
    import io

    from PIL import Image

    if not data:
        raise LogoError("Choose a PNG or JPEG file.")
    if len(data) > LOGO_MAX_BYTES:
        raise LogoError(f"The logo is larger than {LOGO_MAX_BYTES // 1024} KB; use a smaller file.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime, fmt = "image/png", "PNG"
    elif data.startswith(b"\xff\xd8\xff"):
        mime, fmt = "image/jpeg", "JPEG"
    else:
        raise LogoError("The logo must be a PNG or JPEG image.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != fmt:
                raise LogoError("The logo must be a PNG or JPEG image.")
            width, height = image.size
            if max(width, height) > LOGO_MAX_PIXELS:
                raise LogoError(f"The logo is wider or taller than {LOGO_MAX_PIXELS} pixels.")
            image.load()
    except LogoError:
        raise
    except Exception as exc:  # noqa: BLE001 -- any decoder failure means "not an image"
        raise LogoError("The file could not be read as an image.") from exc
    return {"mime": mime, "data": base64.b64encode(data).decode("ascii")}
