from __future__ import annotations

import datetime as dt

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from clinic.clock import clinic_today
from clinic.forms import ClinicForm, choices
from clinic.patients.models import SEX_CHOICES

PHONE_RULE = Regexp(r"^[0-9+()./\s-]{7,30}$", message="Enter a phone number using digits.")


class PatientForm(ClinicForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=80)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=80)])
    date_of_birth = DateField(
        "Date of birth", validators=[DataRequired(message="Enter the date of birth.")]
    )
    sex = SelectField("Sex", choices=choices(SEX_CHOICES), default="unknown")
    phone = TelField("Phone", validators=[Optional(), PHONE_RULE])
    email = EmailField(
        "Email", validators=[Optional(), Email(check_deliverability=False), Length(max=200)]
    )
    address_line = StringField("Street address", validators=[Length(max=200)])
    city = StringField("City", validators=[Length(max=100)])
    state = StringField("State", validators=[Length(max=40)])
    postal_code = StringField("ZIP / postal code", validators=[Length(max=20)])
    preferred_language = StringField(
        "Preferred language", default="English", validators=[Length(max=60)]
    )
    emergency_contact_name = StringField("Emergency contact name", validators=[Length(max=160)])
    emergency_contact_phone = TelField(
        "Emergency contact phone", validators=[Optional(), PHONE_RULE]
    )
    referring_physician = StringField("Referring physician", validators=[Length(max=160)])
    version = HiddenField()
    confirm_not_duplicate = BooleanField("This is a different person; register anyway")

    def validate_date_of_birth(self, field):
        if field.data and not (dt.date(1900, 1, 1) <= field.data <= clinic_today()):
            raise ValidationError("The date of birth must be between 1900 and today.")


class SearchForm(ClinicForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Search patients", validators=[Length(max=120)])
