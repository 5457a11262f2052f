from django.db import migrations


class Migration(migrations.Migration):
    """First step of moving AuditEntry and OutboxEvent to `common` (see common.model_moves):
    rename their tables in place, rows and indexes kept."""

    dependencies = [
        ("delegation", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="auditentry", table="common_auditentry"),
        migrations.AlterModelTable(name="outboxevent", table="common_outboxevent"),
    ]
