"""Bad input both demos must refuse the same way (their tests share these cases)."""

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
