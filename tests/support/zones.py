"""Times as a reader in a time zone reads them."""

from __future__ import annotations


def in_zone(moment, zone: str) -> str:
    """How US English writes ``moment`` (aware, or naive UTC) in ``zone``: the hour,
    minute and zone abbreviation."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo(zone))
    return f"{local:%-I:%M %p} {local.tzname()}"
