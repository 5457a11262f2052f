"""Consistency tokens: what a write hands back so that a later read can ask for a store that has
seen it (after Zanzibar's zookies and SpiceDB's ZedTokens).

One token, two positions, one per projection of the system of record:

- the outbox position of the write's newest event: how far the graph must have applied the
  outbox (`delegation.graph.consistency`);
- the WAL position (LSN) of the write's commit: how far a PostgreSQL read replica must have
  replayed (`common.db.replica`).

Text form: `<position>` or `<position>@<lsn>`, e.g. `57@0/3A1F2B8` (`0@…` when the write
committed no outbox event). A token with no LSN asks nothing of a replica.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# `Consistency-Token`: the response header of a write, and the request header of a read that
# wants to see it. Pages keep it in the session instead (`SESSION_KEY`).
HEADER = "Consistency-Token"
SESSION_KEY = "consistency_token"
_SHAPE = re.compile(r"([0-9]{1,19})(?:@([0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}))?")


@dataclass(frozen=True)
class Token:
    position: int = 0
    lsn: str | None = None

    def __str__(self) -> str:
        return f"{self.position}@{self.lsn}" if self.lsn else str(self.position)


def parse(text: str) -> Token:
    """The token `text` spells; ValueError for anything else."""
    found = _SHAPE.fullmatch(text)
    if found is None:
        raise ValueError("a token is <position> or <position>@<lsn>, as a write gave it.")
    return Token(int(found[1]), found[2].upper() if found[2] else None)
