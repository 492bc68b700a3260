"""Talking to a running demo over HTTP: a small browser for forms, and plain GETs."""

from __future__ import annotations

import base64
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar


class Browser:
    """Just enough of a browser for Django forms: cookies and the CSRF token."""

    def __init__(self, base, timeout: float = 10):
        self.base = base
        self.timeout = timeout
        self.jar = CookieJar()
        no_redirect = type(
            "NoRedirect",
            (urllib.request.HTTPRedirectHandler,),
            {"redirect_request": lambda *a, **k: None},
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), no_redirect
        )

    def get(self, path):
        try:
            with self.opener.open(self.base + path, timeout=self.timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def post_form(self, path, data):
        _, page = self.get(path)
        field, token = re.search(
            r'name="(csrfmiddlewaretoken|csrf_token)"[^>]*value="([^"]+)"', page
        ).groups()
        body = urllib.parse.urlencode({**data, field: token}).encode()
        request = urllib.request.Request(self.base + path, body, headers={"Referer": self.base})
        try:
            with self.opener.open(request, timeout=self.timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def http_get(url, auth=None):
    """(status, body) of a GET, or (None, b"") when nothing answers."""
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except OSError:
        return None, b""


def http_status(url, auth=None):
    return http_get(url, auth)[0]
