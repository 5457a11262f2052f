"""Reads of the school directory, each with its loading strategy spelled out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.actors import Actor
from common.exceptions import ConflictError, NotFoundError
from people.models import Person, ReportingLine
from school import policies  # a cycle by module: each reads the other's names at call time
from school.models import Course, Enrollment, Section, TeachingAssignment, Term

TimetableRow = TypeVar("TimetableRow", Term, Course, Section, TeachingAssignment)


def section_for_update(*, section_id: int) -> Section:
    """The section with its course and term, its row locked until the transaction ends."""
    section = (
        Section.objects.select_for_update(of=("self",))
        .select_related("course", "term")
        .filter(pk=section_id)
        .first()
    )
    if section is None:
        raise NotFoundError(f"No section with id {section_id}.", field="section")
    return section


def timetable_row_for_update(row: TimetableRow) -> TimetableRow:
    """A term, course, section or teaching assignment as stored, its row locked: the service
    changes it from what the database holds (the audit entry's before), not from a form's copy."""
    found = type(row)._default_manager.select_for_update(of=("self",)).filter(pk=row.pk).first()
    if found is None:
        raise NotFoundError(f"No {row._meta.verbose_name} with id {row.pk}.")
    return found


def enrollment_for_update(*, enrollment_id: int) -> Enrollment:
    enrollment = Enrollment.objects.select_for_update().filter(pk=enrollment_id).first()
    if enrollment is None:
        raise NotFoundError(f"No enrollment with id {enrollment_id}.")
    return enrollment


def enrollment_of(*, student: Person, section: Section) -> Enrollment | None:
    return Enrollment.objects.filter(student=student, section=section).first()


def sibling_enrollment(*, student: Person, section: Section) -> Enrollment | None:
    """An active enrolment of `student` in another section of the same course and term."""
    siblings = Enrollment.objects.filter(
        student=student,
        status__in=Enrollment.ACTIVE,
        section__course_id=section.course_id,
        section__term_id=section.term_id,
    ).exclude(section=section)
    return siblings.first()


def active_enrollment_count() -> Count:
    """A section's seats taken (its active enrolments), as an annotation."""
    return Count("enrollments", filter=Q(enrollments__status__in=Enrollment.ACTIVE))


def seats_taken(*, section: Section) -> int:
    return Enrollment.objects.filter(section=section, status__in=Enrollment.ACTIVE).count()


def clashing_enrollment(*, student: Person, section: Section) -> Enrollment | None:
    """An active enrolment of `student` meeting at an overlapping time in the same term."""
    overlapping: QuerySet[Enrollment] = Enrollment.objects.filter(
        student=student,
        status__in=Enrollment.ACTIVE,
        section__term_id=section.term_id,
        section__weekday=section.weekday,
        section__starts_at__lt=section.ends_at,
        section__ends_at__gt=section.starts_at,
    ).exclude(section=section)
    return overlapping.select_related("section__course", "section__term").first()


# --- The directory ------------------------------------------------------------------------------

UNIT_COLUMNS = ("org_unit__id", "org_unit__code", "org_unit__name")
NAME_ORDER = ("family_name", "given_name", "id")


def directory_people(*, columns: Sequence[str], with_unit: bool) -> QuerySet[Person]:
    """People with only the profile `columns` asked for (and the unit id, which the access
    policy reads, and the names, which key the keyset pages), their unit joined when wanted."""
    people = Person.objects.all()
    always = ("org_unit_id", *NAME_ORDER)
    if with_unit:
        return people.select_related("org_unit").only(*columns, *always, *UNIT_COLUMNS)
    return people.only(*columns, *always)


def directory_person(*, person_id: int) -> Person:
    """The person whose directory entry a request names (id and unit: what the policy reads)."""
    person = Person.objects.only("id", "org_unit_id").filter(pk=person_id).first()
    if person is None:
        raise NotFoundError(f"No person with id {person_id}.")
    return person


def _current_lines() -> Q:
    """Reporting lines in force now (valid from their start, until their end)."""
    now = timezone.now()
    return Q(valid_from__lte=now) & (Q(valid_to__isnull=True) | Q(valid_to__gt=now))


# Each manager's current lines (as `_current_lines`), ranked by the report's name in NAME_ORDER,
# the key the reports' cursor resumes after, in the database (a window per manager).
# Hand-written: the ORM's compilation of this windowed, filtered query took about 1 ms, twenty
# times what PostgreSQL takes to run it, on every directory page. Plain SQL that SQLite runs too.
DIRECT_REPORTS_SQL = """
SELECT manager_id, person_id, given_name, family_name, total FROM (
    SELECT rl.manager_id, rl.person_id, p.given_name, p.family_name,
           ROW_NUMBER() OVER (PARTITION BY rl.manager_id ORDER BY {name_order}) AS rank_by_name,
           COUNT(*) OVER (PARTITION BY rl.manager_id) AS total
    FROM {lines} rl JOIN {people} p ON p.id = rl.person_id
    WHERE rl.manager_id IN ({ids})
      AND rl.valid_from <= %s AND (rl.valid_to IS NULL OR rl.valid_to > %s)
) ranked
WHERE rank_by_name <= %s
ORDER BY manager_id, rank_by_name"""


def direct_reports_by_manager(
    *, manager_ids: Iterable[int], shown: int
) -> dict[int, dict[str, Any]]:
    """Each manager's direct reports: how many, and the first `shown` by name (one query).

    `{manager_id: {"count": n, "items": [{"id", "name"}], "last": (family, given, id) | None}}`;
    `last` is the key of the last shown report when more follow (where a cursor resumes).
    A manager with 2,600 reports costs a sort of their lines in the database, never a transfer.
    """
    ids = [int(pk) for pk in manager_ids]
    reports: dict[int, dict[str, Any]] = {
        pid: {"count": 0, "items": [], "last": None} for pid in ids
    }
    if not ids:
        return reports
    sql = DIRECT_REPORTS_SQL.format(
        lines=ReportingLine._meta.db_table,
        people=Person._meta.db_table,
        name_order=", ".join(f"p.{column}" for column in NAME_ORDER),
        ids=", ".join(["%s"] * len(ids)),
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, now, now, shown])
        rows = cursor.fetchall()
    for manager_id, person_id, given, family, total in rows:
        entry = reports[manager_id]
        entry["count"] = total
        entry["items"].append({"id": person_id, "name": f"{given} {family}"})
        if len(entry["items"]) == shown and total > shown:
            entry["last"] = (family, given, person_id)
    return reports


def direct_reports(*, manager_id: int) -> QuerySet[Person]:
    """The people reporting to `manager_id` now, each with the count of their own direct
    reports (a correlated count, served by `reportingline_manager_idx`)."""
    own_reports = (
        ReportingLine.objects.filter(_current_lines(), manager_id=OuterRef("pk"))
        .order_by()
        .values("manager_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    reporting = ReportingLine.objects.filter(_current_lines(), manager_id=manager_id)
    return (
        Person.objects.filter(pk__in=reporting.values("person_id"))
        .only("id", "given_name", "family_name", "kind", "title", "org_unit_id")
        .annotate(reports_count=Coalesce(Subquery(own_reports), 0))
    )


def sections_taught_by(*, teacher_id: int) -> frozenset[int]:
    return frozenset(
        TeachingAssignment.objects.filter(teacher_id=teacher_id).values_list(
            "section_id", flat=True
        )
    )


# The columns naming a section in the directory's `courses` and `teaching` entries.
SECTION_REF = {
    "section_code": F("section__code"),
    "course": F("section__course__code"),
    "title": F("section__course__title"),
    "term": F("section__term__code"),
}


def _sections_by(rows: QuerySet, owner: str, *columns: str) -> dict[int, list[dict[str, Any]]]:
    """`rows` (enrolments or teaching) grouped by the `owner` column, newest term first."""
    ordered = rows.order_by(
        owner, "-section__term__starts_on", "section__course__code", "section__code"
    )
    return _group_by(ordered.values(owner, "section_id", *columns, **SECTION_REF), owner)


def enrollments_by_student(*, student_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Active enrolments of each student (one query for all of them)."""
    enrollments = Enrollment.objects.filter(
        student_id__in=student_ids, status__in=Enrollment.ACTIVE
    )
    return _sections_by(
        enrollments.annotate(enrollment=F("id")), "student_id", "enrollment", "status", "grade"
    )


def teaching_by_teacher(*, teacher_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Sections each teacher teaches (one query for all of them)."""
    teaching = TeachingAssignment.objects.filter(teacher_id__in=teacher_ids)
    return _sections_by(teaching, "teacher_id", "role")


def _group_by(rows: Iterable[dict[str, Any]], key: str) -> defaultdict[int, list[dict[str, Any]]]:
    """Rows grouped by `key` (popped from each row); ids without rows read as []."""
    grouped: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.pop(key)].append(row)
    return grouped


def _course_sections() -> QuerySet[Section]:
    teaching = TeachingAssignment.objects.select_related("teacher").only(
        "section_id", "role", "teacher__id", "teacher__given_name", "teacher__family_name"
    )
    return (
        Section.objects.select_related("term")
        .annotate(enrolled=active_enrollment_count())
        .prefetch_related(Prefetch("teaching", queryset=teaching))
        .order_by("term__starts_on", "code")
    )


def course_list() -> QuerySet[Course]:
    """Courses with their sections, teachers and seat counts."""
    sections = Prefetch("sections", queryset=_course_sections())
    return Course.objects.select_related("org_unit").prefetch_related(sections)


def courses_in_term(courses: QuerySet[Course], *, term_code: str) -> QuerySet[Course]:
    """`courses` (a `course_list`) running in `term_code`, each with that term's sections only:
    this prefetch replaces the one `course_list` made, which would load every term's."""
    sections = Prefetch("sections", queryset=_course_sections().filter(term__code=term_code))
    running = courses.filter(sections__term__code=term_code).distinct()
    return running.prefetch_related(None).prefetch_related(sections)


def enrollments_of(*, student_id: int) -> QuerySet[Enrollment]:
    """A student's enrolments, newest term first, each with its course and term."""
    return (
        Enrollment.objects.filter(student_id=student_id)
        .select_related("section__course", "section__term")
        .order_by("-section__term__starts_on", "section__course__code")
    )


def enrollment_get(*, enrollment_id: int, actor: Actor) -> Enrollment:
    """The enrolment, if `actor` may see it (`policies.enrollments_visible_to`): one the caller
    may not see is a 404 like a missing one."""
    visible = policies.enrollments_visible_to(actor=actor)
    rows = Enrollment.objects.select_related("student").filter(visible)
    enrollment = rows.filter(pk=enrollment_id).first()
    if enrollment is None:
        raise NotFoundError(f"No enrollment with id {enrollment_id}.")
    return enrollment


def section_get(*, section_id: int) -> Section:
    section = Section.objects.filter(pk=section_id).first()
    if section is None:
        raise NotFoundError(f"No section with id {section_id}.", field="section")
    return section


# --- write-time rules, asked by the services (and the admin's forms, to show errors in place) ---
def section_check_capacity(*, section: Section, capacity: int) -> None:
    """A section keeps at least the seats it has given (the admin's form asks it too)."""
    if section.pk is not None and capacity < (taken := seats_taken(section=section)):
        raise ConflictError(
            f"Section {section} has {taken} students; its capacity cannot go below that.",
            field="capacity",
            code="below_seats_taken",
        )


def check_status_change(*, was: str | None, status: str) -> None:
    """Staff grade, complete and drop; taking a seat again needs `enrollment_create`'s checks."""
    if status == Enrollment.Status.ENROLLED and was != Enrollment.Status.ENROLLED:
        raise ConflictError(
            "Re-enrol with Add enrollment (or the API): it checks seats and the timetable.",
            field="status",
            code="re_enrol",
        )


def teaches_any(*, person_ids: Iterable[int]) -> bool:
    """Whether any of these people teaches a section (so the course list shows their name)."""
    return TeachingAssignment.objects.filter(teacher_id__in=list(person_ids)).exists()
