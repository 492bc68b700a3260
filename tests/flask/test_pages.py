"""Every page of the Flask demo renders."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/", "/signup/", "/login/", "/contact/"])
def test_every_page_renders(client, path):
    assert client.get(path).status_code == 200
