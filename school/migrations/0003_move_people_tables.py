from django.db import migrations


class Migration(migrations.Migration):
    """First step of moving OrgUnit, Person and ReportingLine to `people` (see
    common.model_moves): rename their tables in place, rows, indexes and constraints kept."""

    dependencies = [
        ("school", "0002_directory"),
    ]

    operations = [
        migrations.AlterModelTable(name="orgunit", table="people_orgunit"),
        migrations.AlterModelTable(name="person", table="people_person"),
        migrations.AlterModelTable(name="reportingline", table="people_reportingline"),
    ]
