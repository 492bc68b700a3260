"""The mails the shared tasks send, built from Django's templates, sent by Django's mail."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from django_demo.djangobin.tokens import activation_token
from shared_tasks.choices import feedback_context


def activation(user_id: int, site_url: str) -> EmailMessage | None:
    user = get_user_model().objects.filter(pk=user_id, is_active=False).first()
    if user is None:
        return None
    # The token is made here, in the worker: it never sits in the broker or the results.
    path = reverse(
        "activate",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": activation_token.make_token(user),
        },
    )
    context = {"user": user, "activation_url": site_url.rstrip("/") + path}
    return EmailMessage(
        subject=render_to_string("djangobin/mail/activation_subject.txt", context).strip(),
        body=render_to_string("djangobin/mail/activation_body.txt", context),
        to=[user.email],
    )


def feedback(name: str, email: str, purpose: str, subject: str, message: str) -> EmailMessage:
    context = feedback_context(name, email, purpose, subject, message)
    return EmailMessage(
        subject=render_to_string("djangobin/mail/feedback_subject.txt", context).strip(),
        body=render_to_string("djangobin/mail/feedback_body.txt", context),
        to=[address for _, address in settings.ADMINS],
        reply_to=[email],
    )
