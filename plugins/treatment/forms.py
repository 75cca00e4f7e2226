"""Forms.  Modality fields are generated from each modality's FieldSpec list, so a
modality registered by another plugin gets its form without any code here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from clinic.api import BODY_REGIONS, ClinicForm
from plugins.treatment.domain.modalities import FieldSpec, ModalitySpec


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def strip_nul(value: Any) -> Any:
    """Drop NUL characters, which PostgreSQL cannot store in text (and no one types)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [strip_nul(v) for v in value]
    return value


class TreatmentForm(ClinicForm):
    """ClinicForm whose every field drops NUL characters from what was posted."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [*unbound_field.kwargs.get("filters", ()), strip_nul]
            return unbound_field.bind(form=form, filters=filters, **options)


REGION_PAIRS = [(r.code, r.label) for r in BODY_REGIONS]
BLANK = [("", "—")]
GOAL_ROWS = 3
PALPATION_ROWS = 4
DIRECTIONS = choices([("below", "At or below the target"), ("above", "At or above the target")])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RegionChecklistField(MultiCheckboxField):
    """Body regions as a checklist (rendered by the ``region_field`` macro with a filter
    box), not a list box that needs Ctrl-click to choose more than one."""


def spec_field(spec: FieldSpec):
    """A WTForms field for one FieldSpec.  Values are validated by the domain layer."""
    kw: dict[str, Any] = {"label": spec.label, "description": spec.help}
    if spec.type in ("int", "float"):
        mode = "numeric" if spec.type == "int" else "decimal"
        return StringField(render_kw={"inputmode": mode, "autocomplete": "off"}, **kw)
    if spec.type == "choice":
        return SelectField(choices=choices(BLANK + list(spec.choices)), validate_choice=False, **kw)
    if spec.type == "bool":
        return BooleanField(**kw)
    if spec.type == "text":
        return TextAreaField(render_kw={"rows": 2}, **kw)
    if spec.type == "region":
        return SelectField(choices=choices(BLANK + REGION_PAIRS), validate_choice=False, **kw)
    if spec.type == "regions":
        return RegionChecklistField(choices=choices(REGION_PAIRS), validate_choice=False, **kw)
    if spec.type == "time":
        return StringField(render_kw={"type": "time"}, **kw)
    if spec.type == "skin_checks":
        hint = "One check per line: the minute, then what you saw, e.g. “5 pink, even”."
        return TextAreaField(render_kw={"rows": 3}, description=spec.help or hint, label=spec.label)
    return StringField(**kw)


def override_fields(prefix: str, spec: ModalitySpec) -> dict[str, Any]:
    """The written reasons to go ahead over a contraindicated region (checked and
    audited by :mod:`plugins.treatment.assembly`)."""
    fields: dict[str, Any] = {
        f"{prefix}local_override": TextAreaField(
            "Reason to treat here despite a local contraindication (leave empty unless needed)",
            validators=[Length(max=REASON_MAX)],
            render_kw={"rows": 2},
        )
    }
    if spec.applies_heat:
        fields[f"{prefix}heat_override"] = TextAreaField(
            "Reason to apply heat despite a contraindication (leave empty unless needed)",
            validators=[Length(max=REASON_MAX)],
            render_kw={"rows": 2},
        )
    return fields


def prefix_for_plan(key: str) -> str:
    return f"m_{key}-"


def prefix_for_entry(entry_id: int) -> str:
    return f"e{entry_id}-"


# -- plans ---------------------------------------------------------------------


class PlanFormBase(TreatmentForm):
    diagnoses = TextAreaField(
        "Diagnoses (ICD-10-CM codes)",
        validators=[DataRequired(message="Enter at least one diagnosis code."), Length(max=2000)],
        render_kw={"rows": 2},
        description="Codes separated by commas or spaces, e.g. M54.50, M62.830.",
    )
    problems = TextAreaField("Problems", validators=[Length(max=5000)], render_kw={"rows": 3})
    times_per_week = IntegerField(
        "Visits per week",
        validators=[InputRequired(), NumberRange(1, 7, "Between 1 and 7 visits a week.")],
    )
    weeks = IntegerField(
        "Duration (weeks)",
        validators=[InputRequired(), NumberRange(1, 52, "Between 1 and 52 weeks.")],
    )
    start_date = DateField("Start date", validators=[InputRequired()])
    reeval_date = DateField("Re-evaluation date", validators=[Optional()])
    version = HiddenField()


def plan_form_class(specs: dict[str, ModalitySpec]) -> type[PlanFormBase]:
    attrs: dict[str, Any] = {}
    for i in range(1, GOAL_ROWS + 1):
        attrs[f"goal{i}_measure"] = StringField(
            f"Goal {i}: instrument or measure",
            validators=[Optional(), Length(max=80)],
            # The plan form's datalist offers the patient's scored measures.
            render_kw={"list": "goal-measures", "autocomplete": "off"},
        )
        attrs[f"goal{i}_baseline"] = StringField(f"Goal {i}: baseline")
        attrs[f"goal{i}_target"] = StringField(f"Goal {i}: target")
        attrs[f"goal{i}_direction"] = SelectField(
            f"Goal {i}: met when", choices=DIRECTIONS, default="below", validate_choice=False
        )
        attrs[f"goal{i}_date"] = DateField(f"Goal {i}: by date", validators=[Optional()])
    for key, spec in specs.items():
        prefix = prefix_for_plan(key)
        attrs[f"{prefix}use"] = BooleanField(f"Use {spec.label}")
        for f in spec.plan_fields:
            attrs[prefix + f.name] = spec_field(f)
        attrs.update(override_fields(prefix, spec))
    return type("PlanForm", (PlanFormBase,), attrs)


class StatusForm(TreatmentForm):
    target = SelectField(
        "New status",
        choices=choices(
            [("active", "Active"), ("completed", "Completed"), ("discontinued", "Discontinued")]
        ),
    )
    reason = TextAreaField("Reason", render_kw={"rows": 2}, validators=[Length(max=2000)])


class ClearanceForm(TreatmentForm):
    clearance = TextAreaField(
        "Clearance note for the record (who cleared, when, how)",
        description="Kept with the plan; it does not lift a finding. Findings are reviewed "
        "or cleared one by one on their own pages.",
        validators=[DataRequired(message="Describe the clearance."), Length(max=2000)],
        render_kw={"rows": 2},
    )


# -- notes ---------------------------------------------------------------------


class NewNoteForm(TreatmentForm):
    plan_id = SelectField("Treatment plan", choices=[], validate_choice=False)
    session_date = DateField("Session date", validators=[InputRequired()])
    nonce = HiddenField()


# Server-side ceilings on free text, as the intake answers have: generous for a clinical
# note, small enough that a pasted document or a script cannot bloat every page, PDF
# and export that shows the note.  (Autosaved drafts are cut at DRAFT_VALUE_LIMIT.)
NOTE_TEXT_MAX = 10_000
FINDING_MAX = 300
REASON_MAX = 2_000


class NoteFormBase(TreatmentForm):
    session_date = DateField("Session date", validators=[InputRequired()])
    start_time = StringField("Start time", render_kw={"type": "time"})
    end_time = StringField("End time", render_kw={"type": "time"})
    pain_before = StringField("Pain before the session (0–10)", render_kw={"inputmode": "numeric"})
    pain_after = StringField("Pain after the session (0–10)", render_kw={"inputmode": "numeric"})
    subjective = TextAreaField(
        "Subjective", validators=[Length(max=NOTE_TEXT_MAX)], render_kw={"rows": 3}
    )
    objective = TextAreaField(
        "Objective", validators=[Length(max=NOTE_TEXT_MAX)], render_kw={"rows": 3}
    )
    assessment = TextAreaField(
        "Assessment", validators=[Length(max=NOTE_TEXT_MAX)], render_kw={"rows": 3}
    )
    plan_text = TextAreaField("Plan", validators=[Length(max=NOTE_TEXT_MAX)], render_kw={"rows": 2})
    home_care = MultiCheckboxField("Home-care advice given", choices=[], validate_choice=False)
    version = HiddenField()


def note_form_class(entries: list[tuple[int, ModalitySpec]]) -> type[NoteFormBase]:
    attrs: dict[str, Any] = {}
    for i in range(1, PALPATION_ROWS + 1):
        attrs[f"palp{i}_region"] = SelectField(
            f"Palpation {i}: region", choices=choices(BLANK + REGION_PAIRS), validate_choice=False
        )
        attrs[f"palp{i}_finding"] = StringField(
            f"Palpation {i}: finding", validators=[Length(max=FINDING_MAX)]
        )
    for entry_id, spec in entries:
        prefix = prefix_for_entry(entry_id)
        for f in spec.fields:
            attrs[prefix + f.name] = spec_field(f)
        attrs.update(override_fields(prefix, spec))
    return type("NoteForm", (NoteFormBase,), attrs)


class SignForm(TreatmentForm):
    password = PasswordField(
        "Your password (to sign)",
        validators=[DataRequired(message="Enter your password to sign.")],
    )


class AddendumForm(TreatmentForm):
    reason = StringField(
        "Reason for the addendum",
        validators=[DataRequired(message="Give a reason."), Length(max=500)],
    )
    text = TextAreaField(
        "Addendum",
        validators=[DataRequired(message="Write the addendum."), Length(max=10000)],
        render_kw={"rows": 3},
    )


class ErrorMarkForm(TreatmentForm):
    reason = StringField(
        "Why was this note entered in error?",
        validators=[DataRequired(message="Give a reason."), Length(max=500)],
    )


def parse_time(raw: str | None) -> dt.time | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return dt.datetime.strptime(raw, fmt).time()
        except ValueError:
            continue
    raise ValueError("Enter a time as hours and minutes, e.g. 14:30.")
