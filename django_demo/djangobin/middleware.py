"""A clear answer, in seconds, while the database does not answer."""

import logging

from django.db import InterfaceError, OperationalError
from django.shortcuts import render

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a plain page when the database does not answer.

    Django's own error handling would report the error with each frame's local variables,
    and printing a queryset runs it: each one waits out the connect timeout again, for
    minutes in all. The page uses nothing that needs the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            logger.error("The database did not answer: %s", exception)
            return render(request, "503.html", status=503)
        return None
