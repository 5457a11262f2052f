"""Rules more than one app's services check, written once."""

from __future__ import annotations

from datetime import datetime

from common.exceptions import ServiceError


def refuse_end_before_start(start: datetime, end: datetime | None, *, field: str) -> None:
    """Time windows are half-open [start, end): an end at or before the start is refused."""
    if end is not None and end <= start:
        raise ServiceError("The end must come after the start.", field=field, code="window")
