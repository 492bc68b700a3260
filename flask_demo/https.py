"""HTTPS only, in production: what Django's SecurityMiddleware does for the Django demo.

Plain HTTP is redirected, browsers are told to remember it (HSTS), and behind a
reverse proxy that terminates TLS the app trusts its X-Forwarded-Proto header.
"""

from __future__ import annotations

from flask import Flask, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    if app.config["BEHIND_PROXY"]:
        # Only behind a proxy that sets the header and drops a client's own.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)

    @app.before_request
    def redirect_to_https():
        if not request.is_secure:
            return redirect(request.url.replace("http://", "https://", 1), code=301)
        return None

    @app.after_request
    def strict_transport_security(response):
        hsts = f"max-age={app.config['HSTS_SECONDS']}"
        hsts += "; includeSubDomains" if app.config["HSTS_INCLUDE_SUBDOMAINS"] else ""
        hsts += "; preload" if app.config["HSTS_PRELOAD"] else ""
        response.headers.setdefault("Strict-Transport-Security", hsts)
        return response
