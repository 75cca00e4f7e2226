from __future__ import annotations

from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from clinic.auth.passwords import password_problem
from clinic.forms import ClinicForm, choices
from clinic.permissions import ROLES

USERNAME_RULE = Regexp(
    r"^[a-z0-9][a-z0-9._-]{1,79}$",
    message="Use 2-80 lower-case letters, digits, dots, dashes or underscores.",
)


class LoginForm(ClinicForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class NewPasswordMixin:
    def validate_password(self, field):
        username = getattr(self, "username", None)
        problem = password_problem(field.data or "", username.data if username else "")
        if problem:
            raise ValidationError(problem)


class SetupForm(NewPasswordMixin, ClinicForm):
    display_name = StringField("Your full name", validators=[DataRequired(), Length(max=120)])
    username = StringField("User name", validators=[DataRequired(), USERNAME_RULE])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        "Repeat password", validators=[EqualTo("password", message="The passwords differ.")]
    )


class UserForm(ClinicForm):
    display_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    username = StringField("User name", validators=[DataRequired(), USERNAME_RULE])
    credentials = StringField("Credentials (e.g. LMT)", validators=[Length(max=60)])
    role = SelectField("Role", choices=choices(ROLES.items()))


class NewUserForm(NewPasswordMixin, UserForm):
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=200)])


class ResetPasswordForm(NewPasswordMixin, ClinicForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(NewPasswordMixin, ClinicForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        "Repeat new password", validators=[EqualTo("password", message="The passwords differ.")]
    )
