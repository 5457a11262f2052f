"""Consistency for authorization, after Zanzibar's zookies and SpiceDB's ZedTokens.

Every write that changes the graph commits an outbox event; its position is the write's
consistency token (`common.outbox.token`, the API's `Consistency-Token` header). SQL, the
system of record, always reflects every committed write. The Cypher graph reflects the events
up to its watermark (`watermark.py`). A check names the freshness it needs:

- `fully_consistent` (the default, and what `user_can` enforces with): every write committed
  before the question. The graph decides only when its watermark has reached the newest
  position visible in SQL; otherwise SQL decides.
- `at_least_as_fresh:<token>`: every write up to that token. The graph decides when its
  watermark is at or past the token; otherwise SQL decides at once (no waiting for the worker:
  a request thread would be held for as long as the worker lags, or forever when it is down,
  while SQL answers in a millisecond or two).
- `minimize_latency`: the graph decides at whatever position it has reached.

Whatever the mode, a graph that fails to answer hands the question to SQL (logged, never a
500). Every answer says who decided (`decided_by`), at which position (`position`: the graph's
watermark, or the newest position SQL could see), and the guarantee it carries
(`consistency`: SQL's answers are always `fully_consistent`).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from common import consistency as tokens
from common import outbox
from delegation.graph.base import CheckResult, GraphBackend
from delegation.graph.sql import SqlGraphBackend

logger = logging.getLogger(__name__)

FULLY = "fully_consistent"
AT_LEAST = "at_least_as_fresh"
LATENCY = "minimize_latency"
MODES = (FULLY, AT_LEAST, LATENCY)


@dataclass(frozen=True)
class Consistency:
    mode: str = FULLY
    token: int | None = None

    @classmethod
    def parse(cls, text: str) -> Consistency:
        """`fully_consistent`, `minimize_latency` or `at_least_as_fresh:<token>`; ValueError
        for anything else (a token is a write's `Consistency-Token`, `common.consistency`: the
        graph reads its outbox position)."""
        mode, colon, token = text.partition(":")
        if mode == AT_LEAST and colon:
            with contextlib.suppress(ValueError):
                return cls(AT_LEAST, tokens.parse(token).position)
        if mode in (FULLY, LATENCY) and not colon:
            return cls(mode)
        raise ValueError(
            "consistency is fully_consistent, minimize_latency or at_least_as_fresh:<token> "
            "(the Consistency-Token of a write)."
        )

    def __str__(self) -> str:
        return self.mode if self.token is None else f"{self.mode}:{self.token}"

    def needs(self) -> int | None:
        """The position a store must have applied to answer; None: any position will do."""
        if self.mode == FULLY:
            return outbox.top_position()
        return self.token


FULLY_CONSISTENT = Consistency()


def decide(
    graph: GraphBackend,
    person_id: int,
    permission: str,
    at: datetime,
    *,
    consistency: Consistency = FULLY_CONSISTENT,
    explain: bool = True,
    unit: int | None = None,
    report_position: bool = True,
) -> CheckResult:
    """`check` answered by the store fresh enough for `consistency` (see the module doc).
    Without `report_position`, an answer from SQL leaves `position` empty and costs no extra
    query (`user_can`, which returns only the decision)."""
    if isinstance(graph, SqlGraphBackend):
        return _from_sql(graph, person_id, permission, at, explain, unit, report_position)
    try:
        needed = consistency.needs()
        applied = graph.applied_position()
        if needed is None or applied >= needed:
            result = graph.check(person_id, permission, at, explain=explain, unit=unit)
            return _stamped(result, graph.name, applied, str(consistency))
        logger.debug(
            "graph %s at %s, %s needs %s: SQL decides", graph.name, applied, consistency, needed
        )
    except Exception:  # any driver failure: the system of record can answer instead
        logger.warning(
            "graph %s unavailable; the check was decided from SQL", graph.name, exc_info=True
        )
    return _from_sql(SqlGraphBackend(), person_id, permission, at, explain, unit, report_position)


def _from_sql(
    sql: SqlGraphBackend,
    person_id: int,
    permission: str,
    at: datetime,
    explain: bool,
    unit: int | None,
    report_position: bool,
) -> CheckResult:
    # Read before the check: the check's own statement then sees at least this position.
    position = outbox.top_position() if report_position else None
    result = sql.check(person_id, permission, at, explain=explain, unit=unit)
    return _stamped(result, sql.name, position, FULLY)


def _stamped(result: CheckResult, store: str, position: int | None, guarantee: str) -> CheckResult:
    result.decided_by = store
    result.position = None if position is None else outbox.token(position)
    result.consistency = guarantee
    return result
