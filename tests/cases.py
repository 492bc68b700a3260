"""Input both demos' tests share: the same forms, the same bad input refused."""

import pytest

BAD_SNIPPETS = pytest.mark.parametrize(
    "data",
    [
        {"title": "no code", "code": "", "expiration": "1w"},
        {"title": "bad choice", "code": "x", "expiration": "2d"},
        {"title": "t" * 201, "code": "x", "expiration": "1w"},
        {"title": "huge", "code": "x" * 100_001, "expiration": "1w"},
        {},
    ],
    ids=["missing-code", "unknown-expiration", "title-too-long", "code-too-long", "empty"],
)

CONTACT = {
    "name": "Grace",
    "email": "grace@example.com",
    "purpose": "bug",
    "subject": "Snippets vanish",
    "message": "My snippet expired & disappeared <early>?",
}

#: A sign-up in each app's form (Django's UserCreationForm names its fields password1/2).
SIGN_UP = {
    "django": {
        "username": "ada",
        "email": "ada@example.com",
        "password1": "correct-horse-battery",
        "password2": "correct-horse-battery",
    },
    "flask": {
        "username": "ada",
        "email": "ada@example.com",
        "password": "correct-horse-battery",
        "password2": "correct-horse-battery",
    },
}
