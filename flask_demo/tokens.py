"""Activation tokens: signed with the app's secret key, expiring, one-time."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

#: Three days, as Django's PASSWORD_RESET_TIMEOUT.
MAX_AGE = 3 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="flask_demo.activate")


def make_token(user) -> str:
    return _serializer().dumps(user.id)


def user_id_from(token: str) -> int | None:
    """The user id a valid, unexpired token was made for; None otherwise.

    One-time use comes from the view: a token for an already active user
    activates nothing.
    """
    try:
        return int(_serializer().loads(token, max_age=MAX_AGE))
    except (BadSignature, SignatureExpired, TypeError, ValueError):
        return None
