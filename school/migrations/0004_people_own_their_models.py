import django.db.models.deletion
from django.db import migrations, models

from common.model_moves import state_only


class Migration(migrations.Migration):
    """Last step of the move to `people` (see common.model_moves): school's foreign keys now name
    people's models, and the three models leave school's state. State only."""
    dependencies = [
        ('delegation', '0003_people_and_common_own_their_models'),
        ('people', '0001_initial'),
        ('school', '0003_move_people_tables'),
    ]

    operations = [
        state_only(
            migrations.AlterField(
                model_name='course',
                name='org_unit',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='courses', to='people.orgunit'),
            ),
            migrations.RemoveField(
                model_name='person',
                name='org_unit',
            ),
            migrations.RemoveField(
                model_name='person',
                name='user',
            ),
            migrations.RemoveField(
                model_name='reportingline',
                name='person',
            ),
            migrations.AlterField(
                model_name='personpreferences',
                name='person',
                field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='preferences', serialize=False, to='people.person'),
            ),
            migrations.AlterField(
                model_name='enrollment',
                name='student',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrollments', to='people.person'),
            ),
            migrations.RemoveField(
                model_name='reportingline',
                name='manager',
            ),
            migrations.AlterField(
                model_name='teachingassignment',
                name='teacher',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='teaching', to='people.person'),
            ),
            migrations.DeleteModel(
                name='OrgUnit',
            ),
            migrations.DeleteModel(
                name='ReportingLine',
            ),
            migrations.DeleteModel(
                name='Person',
            ),
        ),
    ]
