"""Each app's task class gives the shared tasks every member that
``shared_tasks.framework`` names, with the same parameters."""

import inspect

import pytest

from django_demo.celery import app as django_celery
from flask_demo import create_app
from shared_tasks import framework

ROLES = {"mails": framework.Mails, "snippets": framework.Snippets, "outbox": framework.Outbox}


def task_classes():
    yield "django", django_celery.Task
    yield "flask", create_app("testing").extensions["celery"].Task


def parameters(function) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "task_class"), list(task_classes()), ids=["django", "flask"])
def test_the_task_class_has_every_role_of_the_framework(app, task_class):
    missing = []
    for role, protocol in ROLES.items():
        implementation = getattr(task_class, role)
        for name, member in vars(protocol).items():
            if name.startswith("_") or not callable(member):
                continue
            found = getattr(implementation, name, None)
            if found is None or parameters(found) != parameters(member):
                missing.append(f"{role}.{name}")
    assert missing == []
