import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/signup/", "/login/", "/contact/", "/admin/login/"])
def test_every_page_renders(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


@pytest.mark.parametrize(
    "path",
    [
        "/admin/django_celery_results/taskresult/",
        "/admin/django_celery_beat/periodictask/",
        "/admin/djangobin/snippet/",
    ],
)
def test_results_schedules_and_snippets_are_in_the_admin(client, path):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    assert client.get(path).status_code == 200
