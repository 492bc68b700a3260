"""The local development stack: an embedded broker, an SMTP sink, and a runner for both.

``python -m devstack django|flask`` runs the processes its Procfile lists. Everything
it writes lives under ``var/`` (``dev_defaults.VAR``). Development tooling: the
apps never import it.
"""
