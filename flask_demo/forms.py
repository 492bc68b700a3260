from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Regexp,
    ValidationError,
)

from flask_demo.extensions import db
from flask_demo.models import User
from shared_tasks.choices import EXPIRATION_CHOICES, PURPOSES


def choices(pairs):
    """Our shared (value, label) pairs as WTForms 3.3 wants them."""
    return [SelectChoice(value, label) for value, label in pairs]


# Name and subject end up in mail headers: a CR or LF would let a visitor add
# headers (Bcc: …), so refuse it here, where the visitor can be told. \Z, not $:
# $ also matches before a final newline.
single_line = Regexp(r"[^\r\n]*\Z", message="Line breaks are not allowed here.")


class SnippetForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=200)])
    code = TextAreaField("Code", validators=[DataRequired(), Length(max=100_000)])
    expiration = SelectField("Expiration", choices=choices(EXPIRATION_CHOICES), default="never")


class SignUpForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(max=150),
            Regexp(r"^[\w.@+-]+$", message="Letters, digits and @/./+/-/_ only."),
        ],
    )
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=128)])
    password2 = PasswordField(
        "Password confirmation",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )

    def validate_username(self, field):
        if db.session.scalar(select(User.id).where(User.username == field.data)):
            raise ValidationError("A user with that username already exists.")

    def validate_email(self, field):
        taken = select(User.id).where(func.lower(User.email) == field.data.lower())
        if db.session.scalar(taken):
            raise ValidationError("An account with this email address already exists.")


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class ContactForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100), single_line])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    purpose = SelectField("Purpose", choices=choices(PURPOSES))
    subject = StringField("Subject", validators=[DataRequired(), Length(max=150), single_line])
    message = TextAreaField("Message", validators=[DataRequired(), Length(max=5000)])
