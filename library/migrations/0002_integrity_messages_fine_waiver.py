"""Constraint messages in words, the NULL gap of `hold_position_iff_active`, waived fines.

A CHECK passes when its condition is NULL, so `position >= 1` let an active hold with no position
through; the new condition says `IS NOT NULL`. Holds saved that way before (the admin's hold
form allowed it) join the end of their book's queue first, oldest first, so the new CHECK
validates. Both new CHECKs are added NOT VALID and then validated (writes go on during the
scan), hence `atomic = False`; the repair runs in its own transaction.
"""

from django.db import migrations, models
from django.db.models import Max

from common.migration_ops import AddCheckConstraintOnline


def place_unplaced_holds(apps, schema_editor):
    Hold = apps.get_model("library", "Hold")
    unplaced = Hold.objects.filter(status__in=["waiting", "ready"], position__isnull=True)
    for hold in unplaced.order_by("book_id", "placed_at", "id"):
        queue = Hold.objects.filter(book_id=hold.book_id)
        hold.position = (queue.aggregate(last=Max("position"))["last"] or 0) + 1
        hold.save(update_fields=["position"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("library", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(place_unplaced_holds, migrations.RunPython.noop, atomic=True),
        migrations.RemoveConstraint(
            model_name="hold",
            name="hold_position_iff_active",
        ),
        migrations.AddField(
            model_name="fine",
            name="waived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="circulationevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("checkout", "Checkout"),
                    ("return", "Return"),
                    ("renew", "Renewal"),
                    ("hold_place", "Hold placed"),
                    ("hold_cancel", "Hold cancelled"),
                    ("hold_ready", "Hold ready"),
                    ("fine_pay", "Fine paid"),
                    ("fine_waive", "Fine waived"),
                ],
                max_length=12,
            ),
        ),
        AddCheckConstraintOnline(
            model_name="fine",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("paid_at__isnull", True), ("waived_at__isnull", True), _connector="OR"
                ),
                name="fine_paid_or_waived",
                violation_error_message="A fine is either paid or waived, not both.",
            ),
        ),
        AddCheckConstraintOnline(
            model_name="hold",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("status__in", ["waiting", "ready"]),
                        ("position__isnull", False),
                        ("position__gte", 1),
                    ),
                    models.Q(
                        models.Q(("status__in", ["waiting", "ready"]), _negated=True),
                        ("position__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="hold_position_iff_active",
                violation_error_message="A waiting or ready hold has a queue position; a closed hold has none.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="bookauthor",
            name="bookauthor_unique_author",
            constraint=models.UniqueConstraint(
                fields=("book", "author"),
                name="bookauthor_unique_author",
                violation_error_message="This author is already credited on the book.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="bookauthor",
            name="bookauthor_unique_position",
            constraint=models.UniqueConstraint(
                fields=("book", "position"),
                name="bookauthor_unique_position",
                violation_error_message="Another author already has this credit position.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="bookauthor",
            name="bookauthor_position_gte_1",
            constraint=models.CheckConstraint(
                condition=models.Q(("position__gte", 1)),
                name="bookauthor_position_gte_1",
                violation_error_message="Credit positions start at 1.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="category",
            name="category_not_own_parent",
            constraint=models.CheckConstraint(
                condition=models.Q(("parent", models.F("pk")), _negated=True),
                name="category_not_own_parent",
                violation_error_message="A category cannot be its own parent.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="fine",
            name="fine_amount_positive",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)),
                name="fine_amount_positive",
                violation_error_message="A fine is more than zero.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="fine",
            name="fine_days_positive",
            constraint=models.CheckConstraint(
                condition=models.Q(("overdue_days__gt", 0)),
                name="fine_days_positive",
                violation_error_message="A fine is for at least one overdue day.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="hold",
            name="hold_unique_position",
            constraint=models.UniqueConstraint(
                fields=("book", "position"),
                name="hold_unique_position",
                violation_error_message="Another hold has this place in the book's queue.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="hold",
            name="hold_one_active_per_member",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["waiting", "ready"])),
                fields=("book", "member"),
                name="hold_one_active_per_member",
                violation_error_message="The member already holds this book.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="hold",
            name="hold_ready_has_copy",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "ready"), _negated=True),
                    ("copy__isnull", False),
                    _connector="OR",
                ),
                name="hold_ready_has_copy",
                violation_error_message="A ready hold names the copy set aside for it.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="loan",
            name="loan_one_active_per_copy",
            constraint=models.UniqueConstraint(
                condition=models.Q(("returned_at__isnull", True)),
                fields=("copy",),
                name="loan_one_active_per_copy",
                violation_error_message="This copy is already on loan.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="loan",
            name="loan_due_after",
            constraint=models.CheckConstraint(
                condition=models.Q(("due_at__gt", models.F("loaned_at"))),
                name="loan_due_after",
                violation_error_message="A loan is due after it was lent.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="loan",
            name="loan_returned_after_loaned",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("returned_at__isnull", True),
                    ("returned_at__gte", models.F("loaned_at")),
                    _connector="OR",
                ),
                name="loan_returned_after_loaned",
                violation_error_message="A loan is returned after it was lent.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="membercategory",
            name="membercat_loan_days_gte_1",
            constraint=models.CheckConstraint(
                condition=models.Q(("loan_days__gte", 1)),
                name="membercat_loan_days_gte_1",
                violation_error_message="A loan lasts at least one day.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="membercategory",
            name="membercat_max_loans_gte_1",
            constraint=models.CheckConstraint(
                condition=models.Q(("max_loans__gte", 1)),
                name="membercat_max_loans_gte_1",
                violation_error_message="A member may borrow at least one copy.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="membercategory",
            name="membercat_fine_gte_0",
            constraint=models.CheckConstraint(
                condition=models.Q(("daily_fine__gte", 0)),
                name="membercat_fine_gte_0",
                violation_error_message="The daily fine cannot be negative.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="membercategory",
            name="membercat_cap_gte_0",
            constraint=models.CheckConstraint(
                condition=models.Q(("fine_cap__gte", 0)),
                name="membercat_cap_gte_0",
                violation_error_message="The fine cap cannot be negative.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="membercategory",
            name="membercat_unpaid_gte_0",
            constraint=models.CheckConstraint(
                condition=models.Q(("max_unpaid_fines__gte", 0)),
                name="membercat_unpaid_gte_0",
                violation_error_message="The unpaid fines threshold cannot be negative.",
            ),
        ),
    ]
