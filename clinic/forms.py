"""Base form for every form in the app.

``ClinicForm`` gives back what a user typed when their session timed out: the
POST was kept as a :class:`~clinic.auth.models.FormDraft` (see
:mod:`clinic.auth.sessions`), and the next time the same page is opened by the same
user the form starts from it.
"""

from __future__ import annotations

import json

from flask import flash, has_request_context, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice, StringField


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def take_draft(path: str) -> MultiDict | None:
    from clinic.auth.models import FormDraft
    from clinic.extensions import db

    if not current_user.is_authenticated:
        return None
    draft = db.session.scalars(
        select(FormDraft)
        .where(FormDraft.user_id == current_user.id, FormDraft.path == path)
        .order_by(FormDraft.saved_at.desc())
        .limit(1)
    ).first()
    if draft is None:
        return None
    db.session.delete(draft)
    db.session.commit()
    return MultiDict(json.loads(draft.data))


def strip_nul(value):
    """Drop NUL characters: PostgreSQL text cannot hold them and no person types them."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class ClinicForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", ())
            if strip_nul not in filters:
                unbound_field.kwargs["filters"] = (strip_nul, *filters)
            return unbound_field.bind(form=form, **options)

    def __init__(self, *args, **kwargs):
        restored = None
        if has_request_context() and request.method == "GET" and "formdata" not in kwargs:
            restored = take_draft(request.path)
        if restored is not None:
            kwargs["formdata"] = restored
        super().__init__(*args, **kwargs)
        # A browser always sends a text input, empty or not; a hand-made POST may leave
        # one out, and WTForms then keeps None, which a NOT NULL column refuses with a
        # 500 (issue 12, fuzzing).  Read a missing text field as the browser's "".
        for field in self:
            if isinstance(field, StringField) and field.raw_data == [] and field.data is None:
                field.data = ""
        self.restored_from_draft = restored is not None
        if restored is not None:
            flash(
                "Your session had timed out; what you typed has been put back. Check it and save.",
                "info",
            )
