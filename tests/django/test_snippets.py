from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from django_demo.djangobin.models import Snippet
from shared_tasks.choices import EXPIRATION_CHOICES, expiry_time
from tests.cases import BAD_SNIPPETS
from tests.support.chromium import times_as_shown
from tests.support.zones import in_zone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("never", None),
        ("1w", datetime(2024, 3, 8, 12, tzinfo=UTC)),
        ("1m", datetime(2024, 4, 1, 12, tzinfo=UTC)),  # a calendar month: 31 days in March
        ("6m", datetime(2024, 9, 1, 12, tzinfo=UTC)),
        ("1y", datetime(2025, 3, 1, 12, tzinfo=UTC)),
    ],
)
def test_expiry_time_per_choice(choice, expected):
    assert expiry_time(choice, datetime(2024, 3, 1, 12, tzinfo=UTC)) == expected


def test_a_month_from_the_31st_ends_on_the_last_day_of_next_month():
    assert expiry_time("1m", datetime(2024, 1, 31, tzinfo=UTC)) == datetime(2024, 2, 29, tzinfo=UTC)


def test_the_five_expiration_choices():
    assert [label for _, label in EXPIRATION_CHOICES] == [
        "Never",
        "1 week",
        "1 month",
        "6 months",
        "1 year",
    ]


def test_saving_stores_the_expiry_time():
    snippet = Snippet.objects.create(code="print(1)", expiration="1w")
    assert snippet.expires_at == snippet.created_at + timedelta(weeks=1)
    assert Snippet.objects.create(code="x", expiration="never").expires_at is None


def test_expires_at_is_indexed():
    assert Snippet._meta.get_field("expires_at").db_index


def test_create_snippet_from_the_index_page(client):
    response = client.post("/", {"title": "Hello", "code": "print('hi')", "expiration": "1m"})
    snippet = Snippet.objects.get()
    assert response.status_code == 302
    assert response.url == snippet.get_absolute_url()
    page = client.get(snippet.get_absolute_url())
    assert page.status_code == 200
    assert "print(&#x27;hi&#x27;)" in page.content.decode()


@BAD_SNIPPETS
def test_bad_snippet_input_gives_form_errors_and_no_row(client, data):
    response = client.post("/", data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Snippet.objects.exists()


def test_expired_snippet_is_404_before_the_sweep_runs(client):
    snippet = Snippet.objects.create(code="x", expiration="1w")
    Snippet.objects.filter(pk=snippet.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(snippet.get_absolute_url()).status_code == 404
    assert Snippet.objects.filter(pk=snippet.pk).exists()  # still there, just not shown


def test_snippet_is_gone_from_the_moment_it_expires():
    now = timezone.now()
    snippet = Snippet.objects.create(code="x", expiration="1w")
    Snippet.objects.filter(pk=snippet.pk).update(expires_at=now)
    assert not Snippet.objects.live(now).exists()
    assert Snippet.objects.live(now - timedelta(microseconds=1)).exists()


def test_unknown_snippet_is_404(client):
    assert client.get(reverse("snippet", args=["nope"])).status_code == 404


@pytest.mark.django_db
def test_the_snippet_page_shows_its_times_in_the_readers_zone(client):
    snippet = Snippet.objects.create(code="print(1)", expiration="1w")
    html = client.get(f"/{snippet.slug}/").content.decode()
    zone = "America/New_York"
    shown = times_as_shown(html, zone)
    assert [
        in_zone(snippet.created_at, zone) in shown[0],
        in_zone(snippet.expires_at, zone) in shown[1],
    ] == [True, True], shown
