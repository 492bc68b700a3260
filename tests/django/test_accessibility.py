"""The demo's pages pass axe-core's WCAG 2 A and AA rules, as the tutorial site does."""

import pytest

from django_demo.djangobin.models import Snippet
from tests.support.chromium import wcag_violations


@pytest.mark.django_db(transaction=True)
def test_the_pages_pass_the_wcag_rules(live_server):
    snippet = Snippet.objects.create(title="hello.py", code="print(1)", expiration="1w")
    pages = ["/", "/signup/", "/login/", "/contact/", f"/{snippet.slug}/"]
    assert wcag_violations([live_server.url + page for page in pages]) == []
