"""The school's teaching: terms, courses, sections, who teaches them, enrolment, preferences.

People, units and reporting lines belong to `people`; this app references them.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from people.models import OrgUnit, Person


class Term(models.Model):
    """A teaching period; sections run within one term."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="term_ends_after_start",
                violation_error_message="A term must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    code = models.SlugField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    credits = models.PositiveSmallIntegerField(default=5)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="courses"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Section(models.Model):
    """One class of a course in a term, meeting weekly in one slot, with a seat limit."""

    class Weekday(models.IntegerChoices):
        MONDAY = 1, "Monday"
        TUESDAY = 2, "Tuesday"
        WEDNESDAY = 3, "Wednesday"
        THURSDAY = 4, "Thursday"
        FRIDAY = 5, "Friday"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sections")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="sections")
    code = models.CharField(max_length=10)
    capacity = models.PositiveIntegerField()
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    room = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["course__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "term", "code"],
                name="section_unique_code",
                violation_error_message="The course already has a section with this code "
                "in this term.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gt=0),
                name="section_has_seats",
                violation_error_message="A section has at least one seat.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="section_ends_after_start",
                violation_error_message="A section must end after it starts.",
            ),
        ]
        indexes = [models.Index(fields=["term", "weekday"], name="section_term_weekday_idx")]

    def __str__(self) -> str:
        return f"{self.course.code}-{self.code} ({self.term.code})"


class TeachingAssignment(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead teacher"
        ASSISTANT = "assistant", "Assistant"

    teacher = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="teaching")
    # PROTECT: teaching assignments are audited; `section_delete` refuses while any remain.
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="teaching")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.LEAD)

    class Meta:
        ordering = ["section_id", "role", "teacher_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "section"],
                name="teaching_unique",
                violation_error_message="This teacher already teaches this section.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} teaches {self.section}"


class Enrollment(models.Model):
    """A student's seat in a section; one row per (student, section), re-used on re-enrolment."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "Enrolled"
        DROPPED = "dropped", "Dropped"
        COMPLETED = "completed", "Completed"

    # Statuses that hold a seat and a slot in the student's timetable.
    ACTIVE = (Status.ENROLLED, Status.COMPLETED)

    student = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrollments")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENROLLED)
    grade = models.CharField(max_length=2, blank=True)
    enrolled_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-enrolled_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "section"],
                name="enrollment_unique",
                violation_error_message="This student is already enrolled in this section.",
            ),
            models.CheckConstraint(
                condition=Q(grade="") | Q(status="completed"),
                name="enrollment_grade_only_when_completed",
                violation_error_message="Only a completed enrolment has a grade.",
            ),
        ]
        indexes = [models.Index(fields=["section", "status"], name="enrollment_section_idx")]

    def __str__(self) -> str:
        return f"{self.student} in {self.section} ({self.get_status_display().lower()})"


class PersonPreferences(models.Model):
    """A free-form preferences document per person, searchable by key (GIN index on PostgreSQL)."""

    # PROTECT: preferences are audited; `person_delete` refuses while they exist.
    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.PROTECT, related_name="preferences"
    )
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "person preferences"
        # Serves `data__has_key` and `data__contains`; built on PostgreSQL only (see
        # common.migration_ops.PostgreSQLOnly).
        indexes = [GinIndex(fields=["data"], name="personprefs_data_gin")]

    def __str__(self) -> str:
        return f"preferences of {self.person}"
