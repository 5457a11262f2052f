import django.db.models.deletion
from django.db import migrations, models

from common.model_moves import state_only


class Migration(migrations.Migration):
    """Last step of the moves (see common.model_moves): delegation's foreign keys now name
    people's models, and AuditEntry and OutboxEvent leave delegation's state. State only."""

    dependencies = [
        ('common', '0001_initial'),
        ('delegation', '0002_move_audit_outbox_to_common'),
        ('people', '0001_initial'),
    ]

    operations = [
        state_only(
            migrations.RemoveField(
                model_name='auditentry',
                name='actor',
            ),
            migrations.DeleteModel(
                name='OutboxEvent',
            ),
            migrations.AlterField(
                model_name='delegation',
                name='delegatee',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='delegations_received', to='people.person'),
            ),
            migrations.AlterField(
                model_name='delegation',
                name='delegator',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='delegations_given', to='people.person'),
            ),
            migrations.AlterField(
                model_name='roleassignment',
                name='person',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='role_assignments', to='people.person'),
            ),
            migrations.AlterField(
                model_name='roleassignment',
                name='scope_unit',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='role_assignments', to='people.orgunit'),
            ),
            migrations.DeleteModel(
                name='AuditEntry',
            ),
        ),
    ]
