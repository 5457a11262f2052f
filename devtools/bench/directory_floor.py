"""The directory's floor: the same page as the planner's, asked as one hand-written SQL statement.

`bench_directory` times these beside the planner to say how far the planner is from what the
data makes possible in one round trip (no cache, no Python assembly beyond the driver's JSON).
They reuse the SQL graph backend's own statements for the manager chains and the holdings, as
CTEs inside the one statement, so the floor does the same work the graph does.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from delegation.graph import sql_queries as q
from delegation.graph.base import MAX_CHAIN, MAX_ORG_DEPTH
from school.directory import CHAIN_DEPTH, REPORTS_SHOWN

PAGE = "SELECT id FROM fl_page"

LINES = """
fl_lines AS (
    SELECT rl.manager_id, p.id, p.given_name || ' ' || p.family_name AS name,
           ROW_NUMBER() OVER (PARTITION BY rl.manager_id
                              ORDER BY p.family_name, p.given_name, p.id) AS rank,
           COUNT(*) OVER (PARTITION BY rl.manager_id) AS total
    FROM people_reportingline rl JOIN people_person p ON p.id = rl.person_id
    WHERE rl.manager_id IN (SELECT id FROM fl_page)
      AND rl.valid_from <= %(at)s AND (rl.valid_to IS NULL OR rl.valid_to > %(at)s)
)"""

REPORTS = """
    (SELECT json_agg(json_build_object('id', l.id, 'name', l.name) ORDER BY l.rank)
     FROM fl_lines l WHERE l.manager_id = pg.id AND l.rank <= %(shown)s) AS reports,
    (SELECT MAX(l.total) FROM fl_lines l WHERE l.manager_id = pg.id) AS reports_count"""

SECTION = """json_build_object('section_id', s.id, 'section_code', s.code, 'course', c.code,
                     'title', c.title, 'term', t.code{extra})"""

EVERY_PART = """
WITH fl_page AS (
    SELECT p.id, p.given_name, p.family_name, p.email, p.kind, p.title, p.active, p.org_unit_id
    FROM people_person p ORDER BY p.family_name, p.given_name, p.id LIMIT %(size)s
),
fl_chain AS ({chains}),
fl_hold AS ({holdings}),
{lines}
SELECT pg.id, pg.given_name, pg.family_name, pg.email, pg.kind, pg.title, pg.active,
    pg.org_unit_id, u.code, u.name,
    (SELECT json_agg(json_build_object('id', ch.id, 'name', ch.name) ORDER BY ch.depth)
     FROM fl_chain ch WHERE ch.origin = pg.id AND ch.depth <= %(chain_depth)s) AS chain,
    (SELECT COUNT(*) FROM fl_chain ch WHERE ch.origin = pg.id) AS chain_count,
    {reports},
    (SELECT json_agg(json_build_object('role', h.name, 'scope_unit', h.scope_unit_id,
                                       'hops', h.hops) ORDER BY h.name)
     FROM fl_hold h WHERE h.origin = pg.id AND h.kind = 'role') AS roles,
    (SELECT json_agg(h.name ORDER BY h.name)
     FROM fl_hold h WHERE h.origin = pg.id AND h.kind = 'permission') AS permissions,
    (SELECT json_agg({course} ORDER BY t.starts_on DESC, c.code, s.code)
     FROM school_enrollment e JOIN school_section s ON s.id = e.section_id
     JOIN school_course c ON c.id = s.course_id JOIN school_term t ON t.id = s.term_id
     WHERE e.student_id = pg.id AND e.status IN ('enrolled', 'completed')) AS courses,
    (SELECT json_agg({teaching} ORDER BY t.starts_on DESC, c.code, s.code)
     FROM school_teachingassignment ta JOIN school_section s ON s.id = ta.section_id
     JOIN school_course c ON c.id = s.course_id JOIN school_term t ON t.id = s.term_id
     WHERE ta.teacher_id = pg.id) AS teaching
FROM fl_page pg LEFT JOIN people_orgunit u ON u.id = pg.org_unit_id
ORDER BY pg.family_name, pg.given_name, pg.id"""

ONE_WITH_REPORTS = """
WITH fl_page AS (
    SELECT p.id, p.given_name, p.family_name, p.email, p.kind, p.title, p.active, p.org_unit_id
    FROM people_person p WHERE p.id = %(person)s
),
{lines}
SELECT pg.id, pg.given_name, pg.family_name, pg.email, pg.kind, pg.title, pg.active,
    pg.org_unit_id, {reports}
FROM fl_page pg"""


def _params(at: datetime) -> dict[str, Any]:
    return {
        "at": at,
        "nk": None,
        "nid": None,
        "codename": "",
        "max_chain": MAX_CHAIN,
        "min_budget": 0,
        "max_depth": MAX_ORG_DEPTH,
        "chain_depth": CHAIN_DEPTH,
        "shown": REPORTS_SHOWN,
    }


def every_part_sql() -> str:
    """One statement for a page of people with every expansion (PostgreSQL)."""
    return EVERY_PART.format(
        chains=q.MANAGER_CHAINS.sql("postgresql", PAGE),
        holdings=q.HOLDINGS.sql("postgresql", PAGE),
        lines=LINES,
        reports=REPORTS,
        course=SECTION.format(extra=", 'enrollment', e.id, 'status', e.status, 'grade', e.grade"),
        teaching=SECTION.format(extra=", 'role', ta.role"),
    )


def one_with_reports_sql() -> str:
    return ONE_WITH_REPORTS.format(lines=LINES, reports=REPORTS)


def run(sql: str, **params: Any) -> tuple[list[tuple], float]:
    """The rows of `sql` and its time in ms (execute and fetch, the driver decoding JSON)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, {**_params(timezone.now()), **params})
        rows = cursor.fetchall()
    return rows, (time.perf_counter() - started) * 1000
