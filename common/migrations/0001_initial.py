import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from common.model_moves import relabel_content_types, state_only


class Migration(migrations.Migration):
    """The audit log and the outbox, moved here from delegation: delegation 0002 renamed their
    tables, so this declares them in state only (see common.model_moves)."""

    initial = True

    dependencies = [
        ('delegation', '0002_move_audit_outbox_to_common'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        state_only(
            migrations.CreateModel(
                name='OutboxEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('kind', models.CharField(max_length=40)),
                    ('payload', models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder)),
                    ('processed_at', models.DateTimeField(blank=True, null=True)),
                ],
                options={
                    'ordering': ['id'],
                    'indexes': [models.Index(condition=models.Q(('processed_at__isnull', True)), fields=['id'], name='outbox_pending_idx')],
                },
            ),
            migrations.CreateModel(
                name='AuditEntry',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                    ('action', models.CharField(choices=[('create', 'Create'), ('update', 'Update'), ('delete', 'Delete'), ('revoke', 'Revoke')], max_length=10)),
                    ('entity', models.CharField(max_length=40)),
                    ('entity_id', models.BigIntegerField()),
                    ('before', models.JSONField(blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True)),
                    ('after', models.JSONField(blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True)),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name_plural': 'audit entries',
                    'ordering': ['-id'],
                    'indexes': [models.Index(fields=['entity', 'entity_id'], name='auditentry_entity_idx')],
                },
            ),
        ),
        relabel_content_types('delegation', 'common', ['auditentry', 'outboxevent']),
    ]
