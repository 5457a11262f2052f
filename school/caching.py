"""The directory's cache families, and what invalidates each, exactly and after commit.

The services that write say what they changed (`timetable_written`, `enrollment_written`), and
each call defers the invalidation to `transaction.on_commit`, so a rolled-back write invalidates
nothing and a reader never caches a value from before a commit it could see. The admin writes
through the same services. Changes made below `school` arrive as signals sent after commit:
`common.events.org_changed` (org-chart and authorization facts, by the people and delegation
services) and `common.events.person_changed` (a person's own fields, by `person_update`); their
receivers here invalidate at once, the commit being behind them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.dispatch import receiver

from common.cache.readthrough import Family, invalidate, invalidate_family, invalidate_on_commit
from common.events import PERSON_FACTS, org_changed, person_changed
from school import selectors
from school.models import TeachingAssignment

# The facts `org_changed` announces that the directory caches per person. Not `reports`: a
# manager's direct reports are one indexed query, read on every request (school.directory).
# Version 2 of `manager_chain`: a bounded object (`{"count", "items", "next"}`), not a list.
FACT_VERSIONS = {"manager_chain": 2}
CACHED_FACTS = PERSON_FACTS - {"reports"}
GRAPH_FACTS = {
    fact: Family(f"directory.{fact}", FACT_VERSIONS.get(fact, 1)) for fact in sorted(CACHED_FACTS)
}
COURSES = Family("directory.courses")  # per student: their enrolments
TEACHING = Family("directory.teaching")  # per teacher: the sections they teach
COURSE_LIST = Family("directory.course_list")  # per query string: a page of the course list

PER_PERSON = {**GRAPH_FACTS, "courses": COURSES, "teaching": TEACHING}
# What the course list shows of a person: a teacher's `name`, made of these fields.
COURSE_LIST_PERSON_FIELDS = frozenset({"given_name", "family_name"})


def timetable_written(*rows: Model) -> None:
    """After a term, course, section or teaching row is written (for an update, pass the row
    as it was and as it is, so a teaching row moved to another teacher clears both)."""
    teaching = [row for row in rows if isinstance(row, TeachingAssignment)]
    teachers = {row.teacher_id for row in teaching}
    if teachers:
        invalidate_on_commit(TEACHING, teachers)
        invalidate_on_commit(COURSE_LIST)
        return
    # Titles, codes and times are copied into every enrolment and teaching entry that names
    # them; staff edit the catalogue rarely, so the whole families go rather than a fan-out.
    for family in (COURSES, TEACHING, COURSE_LIST):
        invalidate_on_commit(family)


def enrollment_written(*, student_id: int) -> None:
    """After an enrolment is written: the student's courses, and the list's seat counts."""
    invalidate_on_commit(COURSES, [student_id])
    invalidate_on_commit(COURSE_LIST)


@receiver(org_changed)
def _org_changed(sender: Any, person_ids: set[int], facts: set[str], **kwargs: Any) -> None:
    for fact in facts & GRAPH_FACTS.keys():
        invalidate(GRAPH_FACTS[fact], person_ids)


@receiver(person_changed)
def _person_changed(sender: Any, person_ids: set[int], fields: set[str], **kwargs: Any) -> None:
    # Names in other people's manager chains and reports are the org chart's: `person_update`
    # announces those people in org_changed.
    if fields & COURSE_LIST_PERSON_FIELDS and selectors.teaches_any(person_ids=person_ids):
        invalidate_family(COURSE_LIST)
