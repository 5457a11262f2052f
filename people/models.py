"""People and the organisation they belong to: org units (a tree) and reporting lines.

The system of record for the org chart. Other apps reference these rows (enrolments, role
assignments, delegations); `delegation.graph` projects them into the graph through the outbox
(`people.apps` registers the projected fields). Writes go through `people.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common.search import trigram_index


class OrgUnit(models.Model):
    """A department or office; units form a tree through `parent`."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="orgunit_not_own_parent",
                violation_error_message="A unit cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    class Kind(models.TextChoices):
        STUDENT = "student", "Student"
        TEACHER = "teacher", "Teacher"
        STAFF = "staff", "Staff"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STUDENT)
    title = models.CharField(max_length=120, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="person_name_idx"),
            # The admin's search by any part of a name or email: `icontains` is
            # `UPPER(col) LIKE UPPER('%word%')`, which these trigram indexes on UPPER(col) serve.
            trigram_index("given_name", "person_given_name_trgm"),
            trigram_index("family_name", "person_family_name_trgm"),
            trigram_index("email", "person_email_trgm"),
        ]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class ReportingLine(models.Model):
    """`person` reports to `manager` from `valid_from` until `valid_to` (open-ended when null)."""

    # PROTECT: a person's reporting history is audited; `people.services.person_delete` refuses
    # while any line names them, and no other delete may take the lines along unaudited.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reporting_lines")
    manager = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="managed_lines")
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["person_id", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=F("manager")),
                name="reportingline_not_self",
                violation_error_message="Nobody reports to themselves.",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="reportingline_ends_after_start",
                violation_error_message="A reporting line must end after it starts.",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(valid_to__isnull=True),
                name="reportingline_one_current_manager",
                violation_error_message="This person already has a current manager.",
            ),
        ]
        indexes = [models.Index(fields=["manager", "valid_to"], name="reportingline_manager_idx")]

    def __str__(self) -> str:
        return f"{self.person} → {self.manager}"
