"""TLS for the deployment tests: a CA of the test's own, and a client that trusts only it."""

from __future__ import annotations

import ssl
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_test_ca(folder: Path, host: str) -> tuple[Path, Path, Path]:
    """A CA of the test's own and a certificate it signed for ``host``: (ca, cert, key)."""
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        cwd=folder,
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        f"/CN={host}",
        "-keyout",
        "site.key",
        "-out",
        "site.csr",
        cwd=folder,
    )
    (folder / "san.ext").write_text(f"subjectAltName=DNS:{host}\n")
    openssl(
        "x509",
        "-req",
        "-in",
        "site.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "san.ext",
        "-out",
        "site.pem",
        cwd=folder,
    )
    return folder / "ca.pem", folder / "site.pem", folder / "site.key"


class Client:
    """HTTPS that trusts only the test CA, with cookies, and no redirects followed."""

    def __init__(self, ca: Path, base: str):
        self.base = base
        context = ssl.create_default_context(cafile=str(ca))
        no_redirect = type(
            "NoRedirect",
            (urllib.request.HTTPRedirectHandler,),
            {"redirect_request": lambda *a, **k: None},
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(CookieJar()),
            no_redirect,
        )

    def open(self, url: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()
