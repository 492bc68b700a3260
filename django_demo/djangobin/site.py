"""The Django side of the shared tasks' interface (see ``shared_tasks.site``)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from django_demo.djangobin.models import OutboxMessage, Snippet
from django_demo.djangobin.tokens import activation_token
from shared_tasks import Mail
from shared_tasks.mail import feedback_context
from shared_tasks.outbox import Message


class DjangoSite:
    def activation_mail(self, user_id, site_url):
        user = get_user_model().objects.filter(pk=user_id, is_active=False).first()
        if user is None:
            return None
        path = reverse(
            "activate",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": activation_token.make_token(user),
            },
        )
        context = {"user": user, "activation_url": site_url.rstrip("/") + path}
        return Mail(
            subject=render_to_string("djangobin/mail/activation_subject.txt", context).strip(),
            body=render_to_string("djangobin/mail/activation_body.txt", context),
            to=[user.email],
        )

    def feedback_mail(self, name, email, purpose, subject, message):
        context = feedback_context(name, email, purpose, subject, message)
        return Mail(
            subject=render_to_string("djangobin/mail/feedback_subject.txt", context).strip(),
            body=render_to_string("djangobin/mail/feedback_body.txt", context),
            to=[address for _, address in settings.ADMINS],
            reply_to=[email],
        )

    def send_mail(self, mail):
        EmailMessage(mail.subject, mail.body, to=mail.to, reply_to=mail.reply_to).send()

    def delete_expired_snippets(self, now, limit):
        # Primary keys of one batch through the expires_at index, then one
        # DELETE … WHERE id IN (…): no model instances, no row-by-row loop.
        batch = list(Snippet.objects.expired(now).values_list("pk", flat=True)[:limit])
        if not batch:
            return 0
        deleted, _ = Snippet.objects.filter(pk__in=batch).delete()
        return deleted

    def outbox_add(self, message):
        OutboxMessage.objects.create(id=message.id, task=message.task, kwargs=message.kwargs)

    def outbox_pending(self, older_than, limit):
        cutoff = timezone.now() - timedelta(seconds=older_than)
        rows = OutboxMessage.objects.filter(created_at__lte=cutoff)[:limit]
        return [Message(row.task, row.kwargs, str(row.id)) for row in rows]

    def outbox_sent(self, message):
        OutboxMessage.objects.filter(id=message.id).delete()
