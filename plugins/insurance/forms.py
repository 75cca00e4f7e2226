"""Flask-WTF forms.  Every refusal here names the field and says what is expected."""

from __future__ import annotations

import re
from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from clinic.api import ClinicForm, choices, icd10
from plugins.insurance.catalog import cpt_codes, npi_is_valid
from plugins.insurance.models import (
    AUTH_KINDS,
    CLAIM_STATUSES,
    RANKS,
    RELATIONSHIPS,
    UNIT_RULES,
)

MEMBER_ID = Regexp(
    r"^[A-Za-z0-9-]{3,30}$", message="A member ID is 3 to 30 letters, digits or dashes."
)
ZERO = Decimal("0")


def not_negative(label: str):
    return NumberRange(min=ZERO, message=f"{label} cannot be negative.")


def ends_after(start_field: str, message: str):
    def check(form, field):
        start = getattr(form, start_field).data
        if field.data and start and field.data < start:
            raise ValidationError(message)

    return check


def cpt_code_list(text: str) -> list[str]:
    """'97140, 97010' → ['97140', '97010']; ValueError naming unknown codes."""
    codes = [c for c in re.split(r"[\s,;]+", text or "") if c]
    unknown = [c for c in codes if c not in cpt_codes()]
    if unknown:
        raise ValueError(f"Unknown CPT code: {', '.join(unknown)}.")
    return list(dict.fromkeys(codes))


def icd_code_list(text: str) -> list[str]:
    codes = [c for c in re.split(r"[\s,;]+", text or "") if c]
    return [d.code for d in icd10.validate_codes(codes)]


class PayerForm(ClinicForm):
    name = StringField("Payer name", validators=[DataRequired(), Length(max=120)])
    payer_code = StringField(
        "Payer ID",
        validators=[
            Optional(),
            Regexp(r"^[A-Za-z0-9]{2,20}$", message="A payer ID is 2 to 20 letters or digits."),
        ],
    )
    address = StringField("Claims address", validators=[Length(max=300)])
    phone = StringField("Phone", validators=[Length(max=40)])
    timely_filing_days = IntegerField(
        "Timely filing limit (days after the visit)",
        default=90,
        validators=[
            InputRequired(),
            NumberRange(min=1, max=730, message="Between 1 and 730 days."),
        ],
    )
    unit_rule = SelectField("Unit rule", choices=choices(UNIT_RULES.items()), default="cms")
    pays_97010 = BooleanField("Pays hot/cold packs (97010) separately")


def fee_form_class():
    """A form with one price field per CPT code in the catalog."""

    class FeeForm(ClinicForm):
        pass

    for code, info in cpt_codes().items():
        setattr(
            FeeForm,
            f"fee_{code}",
            DecimalField(
                f"{code} — {info.short}",
                places=2,
                validators=[Optional(), not_negative("A price")],
            ),
        )
    return FeeForm


class PolicyForm(ClinicForm):
    payer_id = SelectField("Payer", coerce=int, validators=[InputRequired()])
    rank = SelectField("Coverage", choices=choices(RANKS.items()), default="primary")
    member_id = StringField("Member ID", validators=[DataRequired(), MEMBER_ID])
    group_number = StringField(
        "Group number",
        validators=[
            Optional(),
            Regexp(r"^[A-Za-z0-9-]{1,30}$", message="Letters, digits or dashes only."),
        ],
    )
    subscriber_name = StringField("Subscriber (policy holder)", validators=[Length(max=120)])
    relationship = SelectField(
        "Patient's relationship to the subscriber", choices=choices(RELATIONSHIPS.items())
    )
    effective_date = DateField("Effective from", validators=[InputRequired()])
    end_date = DateField(
        "Ends on",
        validators=[Optional(), ends_after("effective_date", "The end date is before the start.")],
    )
    copay = DecimalField("Copay ($)", places=2, validators=[Optional(), not_negative("A copay")])
    coinsurance_percent = DecimalField(
        "Coinsurance (%)",
        places=2,
        # NumberRange %-formats its message: a bare "%" raised ValueError (a 500).
        validators=[Optional(), NumberRange(min=0, max=100, message="Between 0 and 100 %%.")],
    )
    deductible = DecimalField(
        "Deductible ($)", places=2, validators=[Optional(), not_negative("A deductible")]
    )
    referral_required = BooleanField("Referral or prescription required")


class VerificationForm(ClinicForm):
    policy_id = SelectField("Policy", coerce=int, validators=[Optional()])
    called_on = DateField("Date of the call", validators=[InputRequired()])
    representative = StringField("Payer representative", validators=[Length(max=120)])
    reference_number = StringField("Call reference number", validators=[Length(max=60)])
    covers_massage = BooleanField("Massage covered")
    covers_manual_therapy = BooleanField("Manual therapy covered")
    visits_per_year = IntegerField(
        "Visits per year",
        validators=[Optional(), NumberRange(min=0, max=365, message="Between 0 and 365.")],
    )
    prior_auth_needed = BooleanField("Prior authorization needed")
    referral_needed = BooleanField("Referral needed")
    notes = TextAreaField("Notes", validators=[Length(max=4000)])


class AuthorizationForm(ClinicForm):
    payer_id = SelectField("Payer", coerce=int, validators=[InputRequired()])
    number = StringField(
        "Authorization number",
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z0-9-]{3,40}$", message="3 to 40 letters, digits or dashes."),
        ],
    )
    cpt_codes = StringField("CPT codes covered (blank: any)", validators=[Length(max=200)])
    kind = SelectField("Authorized in", choices=choices(AUTH_KINDS.items()), default="visits")
    quantity = IntegerField(
        "Number authorized",
        validators=[InputRequired(), NumberRange(min=1, max=999, message="At least 1.")],
    )
    start_date = DateField("From", validators=[InputRequired()])
    end_date = DateField(
        "To",
        validators=[InputRequired(), ends_after("start_date", "The end date is before the start.")],
    )

    def validate_cpt_codes(self, field):
        try:
            self.codes = cpt_code_list(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class MappingForm(ClinicForm):
    service_key = StringField(
        "Service key",
        validators=[
            DataRequired(),
            Regexp(r"^[a-z0-9_.-]{1,80}$", message="Lower-case letters, digits, . _ or -."),
        ],
    )
    cpt_code = SelectField("CPT code", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cpt_code.choices = choices(
            [("", "Not billed")] + [(c, f"{c} — {i.short}") for c, i in cpt_codes().items()]
        )


class AcceptForm(ClinicForm):
    diagnoses = StringField("Diagnoses (ICD-10-CM, item 21)", validators=[Length(max=200)])
    choose = SelectField("Tied codes: the extra unit goes to", validators=[Optional()])

    def validate_diagnoses(self, field):
        try:
            self.codes = icd_code_list(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if len(self.codes) > 12:
            raise ValidationError("A claim holds at most 12 diagnoses.")


class ClaimStatusForm(ClinicForm):
    status = SelectField("New status", choices=choices(CLAIM_STATUSES.items()))
    submitted_on = DateField("Submitted on", validators=[Optional()])
    amount_paid = DecimalField(
        "Amount paid ($)", places=2, validators=[Optional(), not_negative("An amount")]
    )
    denial_reason = TextAreaField("Denial reason", validators=[Length(max=2000)])
    follow_up_on = DateField("Follow up on", validators=[Optional()])

    def validate_denial_reason(self, field):
        if self.status.data == "denied" and not (field.data or "").strip():
            raise ValidationError("Say why the claim was denied.")


class LineForm(ClinicForm):
    units = IntegerField(
        "Units",
        validators=[InputRequired(), NumberRange(min=0, max=32, message="0 to 32 units.")],
    )
    minutes = IntegerField(
        "Minutes",
        validators=[InputRequired(), NumberRange(min=0, max=480, message="0 to 480 minutes.")],
    )
    modifiers = StringField(
        "Modifiers",
        validators=[
            Optional(),
            Regexp(
                r"^\s*[A-Za-z0-9]{2}(\s*,\s*[A-Za-z0-9]{2}){0,3}\s*$",
                message="Up to four two-character modifiers, separated by commas.",
            ),
        ],
    )


class NecessityForm(ClinicForm):
    period_start = DateField("Visit or period from", validators=[InputRequired()])
    period_end = DateField(
        "Visit or period to",
        validators=[InputRequired(), ends_after("period_start", "The end is before the start.")],
    )
    diagnoses = TextAreaField("Diagnoses", validators=[Length(max=2000)], render_kw={"rows": 3})
    limitations = TextAreaField(
        "Functional limitations", validators=[Length(max=4000)], render_kw={"rows": 6}
    )
    interventions = TextAreaField(
        "Interventions (minutes and units)", validators=[Length(max=4000)]
    )
    response = TextAreaField(
        "Objective findings and response", validators=[Length(max=4000)], render_kw={"rows": 6}
    )
    progress = TextAreaField(
        "Progress toward goals and plan", validators=[Length(max=4000)], render_kw={"rows": 6}
    )


class SignForm(ClinicForm):
    password = PasswordField("Your password (to sign)", validators=[DataRequired()])


class ProviderForm(ClinicForm):
    credentials = StringField("Credentials (e.g. LMT, PT, DPT)", validators=[Length(max=40)])
    npi = StringField("Individual NPI", validators=[Optional(), Length(max=10)])
    license_number = StringField("Licence number", validators=[Length(max=40)])

    def validate_npi(self, field):
        if field.data and not npi_is_valid(field.data.strip()):
            raise ValidationError("An NPI is 10 digits with a valid check digit.")
