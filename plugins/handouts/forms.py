"""Handout forms: editing the library, and choosing what to print for a patient."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.api import ClinicForm, choices, setting
from plugins.handouts.library import LANGUAGES

TAG_CHOICES = [
    ("*", "Every session"),
    ("nmt", "Neuromuscular therapy"),
    ("prt", "Positional release"),
    ("hot_pack", "Hot pack"),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _max_setting(name: str):
    def check(form, field):
        limit = int(setting(f"handouts.{name}"))
        if field.data and len(field.data) > limit:
            raise ValidationError(f"This text is longer than {limit:,} characters; shorten it.")

    return check


class HandoutForm(ClinicForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    language = SelectField("Language", choices=choices(LANGUAGES.items()))
    slug = StringField(
        "Short name (letters, digits and dashes)", validators=[Optional(), Length(max=80)]
    )
    tags = MultiCheckboxField(
        "Preselect after", choices=choices(TAG_CHOICES), validators=[Optional()]
    )
    body = TextAreaField(
        "Text (Markdown)",
        validators=[DataRequired(), _max_setting("max_markdown_chars")],
        render_kw={"class": "markdown", "rows": 24},
    )

    def validate_slug(self, field):
        import re

        if field.data and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", field.data):
            raise ValidationError("Use lower-case letters, digits and dashes only.")


class PrintForm(ClinicForm):
    handouts = MultiCheckboxField("Handouts", coerce=int, validate_choice=False)
    language = SelectField("Language", choices=choices(LANGUAGES.items()))
    large_print = BooleanField("Large print (16 pt)")
    no_diagnosis = BooleanField("Leave out diagnosis text")
    instructions = TextAreaField(
        "Home-care instructions from the therapist",
        validators=[Optional(), _max_setting("max_instruction_chars")],
        render_kw={"rows": 5},
    )
    next_visit = StringField("Next appointment", validators=[Optional(), Length(max=200)])

    def validate_handouts(self, field):
        allowed = {c.value for c in field.choices or []}
        if any(v not in allowed for v in field.data or []):
            raise ValidationError("One of the chosen handouts does not exist in this clinic.")
