from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from kombu.exceptions import OperationalError

from django_demo.djangobin.forms import ContactForm, SignUpForm, SnippetForm
from django_demo.djangobin.models import Snippet
from django_demo.djangobin.tokens import activation_token
from shared_tasks import outbox
from shared_tasks.mail import send_activation_mail, send_feedback_mail


def index(request):
    """Create a snippet; the newest live ones are listed beside the form."""
    form = SnippetForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        snippet = form.save()
        return redirect(snippet)
    recent = Snippet.objects.live()[:10]
    return render(request, "djangobin/index.html", {"form": form, "recent": recent})


def snippet_detail(request, slug):
    snippet = get_object_or_404(Snippet.objects.live(), slug=slug)
    return render(request, "djangobin/snippet_detail.html", {"snippet": snippet})


def signup(request):
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        # Hashes the password, slow by design: before the transaction, which holds
        # SQLite's one write lock, so a crowd of sign-ups does not queue behind it.
        user = form.save(commit=False)
        with transaction.atomic():
            user.save()
            # The outbox, not delay_on_commit: the message is committed with the
            # user and sent after that commit, and if the broker is down it waits
            # for beat's relay. An account without its activation mail is stuck.
            send = outbox.write(
                send_activation_mail, user_id=user.pk, site_url=request.build_absolute_uri("/")
            )
            transaction.on_commit(send)
        return render(request, "djangobin/signup_done.html", {"email": user.email})
    return render(request, "registration/signup.html", {"form": form})


def activate(request, uidb64, token):
    User = get_user_model()
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is not None and activation_token.check_token(user, token):
        user.is_active = True
        user.save(update_fields=["is_active"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}: your account is active.")
        return redirect("index")
    context = {"already_active": user is not None and user.is_active}
    return render(request, "djangobin/activation_invalid.html", context, status=400)


def contact(request):
    form = ContactForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            # No outbox: the form writes no rows, and the visitor can resend. Outside a
            # transaction delay_on_commit sends at once (docs/django.md).
            send_feedback_mail.delay_on_commit(
                name=data["name"],
                email=data["email"],
                purpose=data["purpose"],
                subject=data["subject"],
                message=data["message"],
            )
        except OperationalError:
            form.add_error(None, "Your message could not be sent just now: please try again.")
        else:
            messages.success(request, "Thank you: your message is on its way to the admins.")
            return redirect("contact")
    return render(request, "djangobin/contact.html", {"form": form})
