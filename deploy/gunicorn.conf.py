"""gunicorn's settings for either demo's web server (deploy/systemd/web@.service).

gunicorn reads this file with ``--config``; the WSGI app comes on its command line.
"""

import os

# Only nginx, on the same machine, reaches the web server. Keep WEB_BIND on the loopback
# address: the apps trust X-Forwarded-Proto from whoever reaches them.
bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
# Sync workers: nginx buffers each request and response, so a slow client holds nginx,
# not a worker.
worker_class = "sync"
workers = int(os.environ.get("WEB_WORKERS", "3"))
# A request still running after 30 s is cut off and its worker replaced. That is well over
# a database that does not answer (5 s) and a silent broker (about 6 s for a sign-up).
timeout = 30
graceful_timeout = 30
# No preloading: each worker imports the app after the fork, so no broker or database
# connection made at import is shared between processes.
preload_app = False
# gunicorn's own wsgi.url_scheme follows X-Forwarded-Proto only from nginx on this machine.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
