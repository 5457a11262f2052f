"""factory-boy factories for the directory's models (people come from the foundation's models)."""

from __future__ import annotations

import datetime

import factory

from devtools.testing import ModelFactory
from people.models import Person, ReportingLine
from people.tests import factories as org_factories
from people.tests.factories import OrgUnitFactory
from school.models import Course, Enrollment, PersonPreferences, Section, TeachingAssignment, Term


class PersonFactory(org_factories.PersonFactory):
    """A student in a unit of their own (the org chart's factory, placed in the directory)."""

    kind = Person.Kind.STUDENT
    org_unit = factory.SubFactory(OrgUnitFactory)


class ReportingLineFactory(ModelFactory[ReportingLine]):
    class Meta:
        model = ReportingLine

    person = factory.SubFactory(PersonFactory)
    manager = factory.SubFactory(PersonFactory, kind=Person.Kind.STAFF)


class TermFactory(ModelFactory[Term]):
    class Meta:
        model = Term

    code = factory.Sequence(lambda n: f"t{n}")
    name = factory.Sequence(lambda n: f"Term {n}")
    starts_on = datetime.date(2026, 9, 1)
    ends_on = datetime.date(2027, 1, 31)


class CourseFactory(ModelFactory[Course]):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"c{n:03d}")
    title = factory.Sequence(lambda n: f"Course {n}")
    org_unit = factory.SubFactory(OrgUnitFactory)


class SectionFactory(ModelFactory[Section]):
    class Meta:
        model = Section

    course = factory.SubFactory(CourseFactory)
    term = factory.SubFactory(TermFactory)
    code = factory.Sequence(lambda n: f"S{n}")
    capacity = 30
    weekday = Section.Weekday.MONDAY
    starts_at = datetime.time(9, 0)
    ends_at = datetime.time(10, 30)


class TeachingAssignmentFactory(ModelFactory[TeachingAssignment]):
    class Meta:
        model = TeachingAssignment

    teacher = factory.SubFactory(PersonFactory, kind=Person.Kind.TEACHER)
    section = factory.SubFactory(SectionFactory)


class EnrollmentFactory(ModelFactory[Enrollment]):
    class Meta:
        model = Enrollment

    student = factory.SubFactory(PersonFactory)
    section = factory.SubFactory(SectionFactory)


class PersonPreferencesFactory(ModelFactory[PersonPreferences]):
    class Meta:
        model = PersonPreferences

    person = factory.SubFactory(PersonFactory)
    data = factory.LazyFunction(dict)


def make_school(people: int = 12) -> dict:
    """A small school: `people` students in one unit with a manager, each in a section, and a
    teacher teaching those sections (enough rows for two page sizes)."""
    unit = OrgUnitFactory(code="science", name="Science")
    head = PersonFactory(kind=Person.Kind.STAFF, org_unit=unit, family_name="AAA-Head")
    teacher = PersonFactory(kind=Person.Kind.TEACHER, org_unit=unit, family_name="AAB-Teacher")
    ReportingLineFactory(person=teacher, manager=head)
    term = TermFactory(code="2026-fall")
    sections = [SectionFactory(term=term, code=f"S{n}", capacity=50) for n in range(2)]
    for section in sections:
        TeachingAssignmentFactory(teacher=teacher, section=section)
    students = []
    for n in range(people):
        student = PersonFactory(org_unit=unit)
        ReportingLineFactory(person=student, manager=head)
        EnrollmentFactory(student=student, section=sections[n % 2])
        students.append(student)
    return {
        "unit": unit,
        "head": head,
        "teacher": teacher,
        "term": term,
        "sections": sections,
        "students": students,
    }
