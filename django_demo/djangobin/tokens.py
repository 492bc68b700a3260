from django.contrib.auth.tokens import PasswordResetTokenGenerator


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Signed and expiring (after ``PASSWORD_RESET_TIMEOUT``, three days by default).

    Its own salt keeps it from being swapped with a password-reset token, and
    hashing ``is_active`` makes it one-time: once the account is active, the
    same link no longer checks.
    """

    key_salt = "django_demo.djangobin.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{user.email}{timestamp}"


activation_token = ActivationTokenGenerator()
