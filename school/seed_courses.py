"""Demo courses, sections, teaching, enrolments and preferences over the people already seeded.

Runs last in SEED_DEMO_STEPS (it needs the org and its people). Deterministic (a fixed random
seed, people taken in id order) and idempotent (natural keys: term, course and section codes;
one enrolment per student and section; one preferences row per person), with bulk inserts.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import cycle

from django.db import transaction

from common.seed import analyze
from people.models import OrgUnit, Person
from people.seed import demo_name
from school import selectors
from school.models import Course, Enrollment, PersonPreferences, Section, TeachingAssignment, Term

TERMS = [
    ("2026-spring", "Spring 2026", datetime.date(2026, 2, 1), datetime.date(2026, 6, 30)),
    ("2026-fall", "Fall 2026", datetime.date(2026, 9, 1), datetime.date(2027, 1, 31)),
]
SUBJECTS = ["Algebra", "Biology", "Chemistry", "Drawing", "Economics", "French", "Geography"]
COURSES_PER_SIZE = {"small": 14, "large": 210}
SECTIONS_PER_COURSE_TERM = 2
ENROLMENTS_PER_STUDENT = 4
SLOT_STARTS = [datetime.time(9), datetime.time(11), datetime.time(13), datetime.time(15)]
BATCH = 5000
# The small demo org has staff and teachers only; a school needs someone to enrol.
STUDENTS_WHEN_NONE = 120


def _unit_cycle() -> Iterator[OrgUnit | None]:
    """Units round-robin in id order (no unit at all when the org has none)."""
    return cycle(list(OrgUnit.objects.order_by("id")) or [None])


def _seed_terms() -> list[Term]:
    for code, name, starts_on, ends_on in TERMS:
        Term.objects.get_or_create(
            code=code, defaults={"name": name, "starts_on": starts_on, "ends_on": ends_on}
        )
    return list(Term.objects.filter(code__in=[code for code, *_ in TERMS]).order_by("starts_on"))


def _seed_courses(count: int) -> list[Course]:
    units = _unit_cycle()
    rows = [
        Course(
            code=f"{SUBJECTS[n % len(SUBJECTS)][:3].lower()}-{100 + n}",
            title=f"{SUBJECTS[n % len(SUBJECTS)]} {100 + n}",
            credits=3 + n % 4,
            org_unit=next(units),
        )
        for n in range(count)
    ]
    Course.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    return list(Course.objects.filter(code__in=[c.code for c in rows]).order_by("code"))


def _section_rows(courses: list[Course], terms: list[Term], capacity: int) -> list[Section]:
    rows, slot = [], 0
    for term in terms:
        for course in courses:
            for number in range(SECTIONS_PER_COURSE_TERM):
                starts = SLOT_STARTS[(slot // 5) % len(SLOT_STARTS)]
                rows.append(
                    Section(
                        course=course,
                        term=term,
                        code=f"S{number + 1}",
                        capacity=capacity,
                        weekday=slot % 5 + 1,
                        starts_at=starts,
                        ends_at=starts.replace(hour=starts.hour + 1, minute=30),
                        room=f"R{100 + slot % 40}",
                    )
                )
                slot += 1
    return rows


def _seed_teaching(sections: list[Section]) -> None:
    teachers = list(
        Person.objects.filter(kind=Person.Kind.TEACHER).order_by("id").values_list("pk", flat=True)
    ) or list(
        Person.objects.exclude(kind=Person.Kind.STUDENT).order_by("id").values_list("pk", flat=True)
    )
    if not teachers:
        return
    rows = [
        TeachingAssignment(teacher_id=teacher, section=section)
        for section, teacher in zip(sections, cycle(teachers), strict=False)
    ]
    TeachingAssignment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)


def _seed_enrolments(sections: list[Section], students: list[int]) -> int:
    """Each student without enrolments takes up to ENROLMENTS_PER_STUDENT sections, no two in the
    same slot or of the same course and term (students seeded before are left as they are, so a
    rerun adds nothing)."""
    rng = random.Random(6)
    enrolled = set(Enrollment.objects.values_list("student_id", flat=True).distinct())
    taken: Counter[int] = Counter(
        dict(Section.objects.annotate(n=selectors.active_enrollment_count()).values_list("pk", "n"))
    )
    rows = []
    for student in students:
        if student in enrolled:
            continue
        slots: set[tuple] = set()
        courses: set[tuple[int, int]] = set()
        for section in rng.sample(sections, min(len(sections), ENROLMENTS_PER_STUDENT * 3)):
            slot = (section.term_id, section.weekday, section.starts_at)
            course = (section.term_id, section.course_id)
            if slot in slots or course in courses or taken[section.pk] >= section.capacity:
                continue
            slots.add(slot)
            courses.add(course)
            taken[section.pk] += 1
            rows.append(Enrollment(student_id=student, section=section))
            if len(slots) == ENROLMENTS_PER_STUDENT:
                break
    Enrollment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    return len(rows)


def _seed_preferences(people: list[int]) -> None:
    languages = ["en", "fr", "de", "es", "mi"]
    rows = [
        PersonPreferences(
            person_id=person,
            data={
                "language": languages[n % len(languages)],
                "newsletter": n % 3 == 0,
                **({"theme": "dark"} if n % 4 == 0 else {}),
            },
        )
        for n, person in enumerate(people)
    ]
    PersonPreferences.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)


def _ensure_students() -> int:
    """Add a cohort of students (no reporting lines: they are not staff) if the org has none;
    returns how many were added."""
    if Person.objects.filter(kind=Person.Kind.STUDENT).exists():
        return 0
    units = _unit_cycle()
    # Numbered after everyone already seeded, so their demo names stay unique.
    first = Person.objects.count()
    names = [demo_name(first + n) for n in range(STUDENTS_WHEN_NONE)]
    rows = [
        Person(
            given_name=names[n][0],
            family_name=names[n][1],
            email=f"student{n}@campus.example",
            kind=Person.Kind.STUDENT,
            org_unit=next(units),
        )
        for n in range(STUDENTS_WHEN_NONE)
    ]
    Person.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    return len(rows)


@transaction.atomic
def seed(*, size: str, log: Callable[[str], None]) -> None:
    added_students = _ensure_students()
    people = list(Person.objects.order_by("id").values_list("pk", flat=True))
    students = list(
        Person.objects.filter(kind=Person.Kind.STUDENT, active=True)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    terms = _seed_terms()
    courses = _seed_courses(COURSES_PER_SIZE[size])
    sections_count = len(terms) * len(courses) * SECTIONS_PER_COURSE_TERM
    # Room for everyone's enrolments with a fifth to spare, never fewer than 20 seats.
    capacity = max(20, math.ceil(len(students) * ENROLMENTS_PER_STUDENT / sections_count * 1.2))
    Section.objects.bulk_create(
        _section_rows(courses, terms, capacity), ignore_conflicts=True, batch_size=BATCH
    )
    sections = list(Section.objects.filter(course__in=courses).order_by("id"))
    _seed_teaching(sections)
    added = _seed_enrolments(sections, students)
    _seed_preferences(people)
    analyze(Person, Section, TeachingAssignment, Enrollment, PersonPreferences)
    if added_students:
        log(f"school: {added_students} students added, {len(people)} people in all")
    log(
        f"school courses: {len(terms)} terms, {len(courses)} courses, {len(sections)} sections, "
        f"{Enrollment.objects.count()} enrolments ({added} proposed this run)"
    )
