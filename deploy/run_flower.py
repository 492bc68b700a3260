"""``celery flower`` with its Prometheus metrics behind the same authentication.

Flower 2.2 exempts ``/metrics`` from authentication by design, and the metrics
name every task and worker and count their runs. This runs Flower's own
command after putting the route behind Flower's own check, the one its pages
use (``tornado.web.authenticated`` with its ``get_current_user``). A scraper
then sends the basic-auth credentials, which Prometheus supports.

Usage: ``python deploy/run_flower.py -A django_demo flower --address=127.0.0.1``
(the systemd unit ``deploy/systemd/celery-flower@.service`` and the dev stack run it).
"""

import sys

import tornado.web
from celery.bin.celery import main
from flower import urls
from flower.views.monitor import Metrics


class AuthenticatedMetrics(Metrics):
    @tornado.web.authenticated
    async def get(self):
        await super().get()


def protect_metrics() -> None:
    # Flower builds its application from this list when the command runs. Its
    # entries are (pattern, handler) tuples or tornado URLSpecs; /metrics is a tuple.
    urls.handlers[:] = [
        ("/metrics", AuthenticatedMetrics) if route == ("/metrics", Metrics) else route
        for route in urls.handlers
    ]
    if ("/metrics", AuthenticatedMetrics) not in urls.handlers:
        raise RuntimeError("Flower's /metrics route has moved: update deploy/run_flower.py")


if __name__ == "__main__":
    protect_metrics()
    sys.exit(main())
