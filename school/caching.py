"""The directory's cache families and what invalidates each, exactly and after commit.

Invalidation listens to model saves and deletes rather than living in each service, so that
admin edits invalidate just like API writes; every receiver defers to `transaction.on_commit`,
so a rolled-back write invalidates nothing and a reader never caches a value from before a
commit it could see. Org-chart and authorization changes arrive as `common.events.org_changed`
(sent after commit by the delegation services) naming the people and facts affected.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from common.cache.readthrough import Family, invalidate, invalidate_on_commit
from common.events import PERSON_FACTS, org_changed
from people.models import Person
from school.models import Course, Enrollment, Section, TeachingAssignment, Term

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


@receiver(org_changed)
def _org_changed(sender: Any, person_ids: set[int], facts: set[str], **kwargs: Any) -> None:
    for fact in facts & GRAPH_FACTS.keys():
        invalidate(GRAPH_FACTS[fact], person_ids)


@receiver([post_save, post_delete], sender=Enrollment)
def _enrollment_changed(sender: Any, instance: Enrollment, **kwargs: Any) -> None:
    invalidate_on_commit(COURSES, [instance.student_id])
    invalidate_on_commit(COURSE_LIST)  # enrolment counts


@receiver([post_save, post_delete], sender=TeachingAssignment)
def _teaching_changed(sender: Any, instance: TeachingAssignment, **kwargs: Any) -> None:
    invalidate_on_commit(TEACHING, [instance.teacher_id])
    invalidate_on_commit(COURSE_LIST)


@receiver([post_save, post_delete], sender=Course)
@receiver([post_save, post_delete], sender=Section)
@receiver([post_save, post_delete], sender=Term)
def _catalogue_changed(sender: Any, **kwargs: Any) -> None:
    # Titles, codes and times are copied into every enrolment and teaching entry that names
    # them; staff edit the catalogue rarely, so the whole families go rather than a fan-out.
    for family in (COURSES, TEACHING, COURSE_LIST):
        invalidate_on_commit(family)


@receiver([post_save, post_delete], sender=Person)
def _person_changed(sender: Any, **kwargs: Any) -> None:
    # Teachers' names are copied into the course list. (Names in other people's manager chains
    # and reports are the org chart's: `person_update` announces those people in org_changed.)
    invalidate_on_commit(COURSE_LIST)
