import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from common.model_moves import relabel_content_types, state_only


class Migration(migrations.Migration):
    """Units, people and reporting lines, moved here from school: school 0003 renamed their
    tables, so this declares them in state only (see common.model_moves)."""

    initial = True

    dependencies = [
        ('school', '0003_move_people_tables'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        state_only(
            migrations.CreateModel(
                name='OrgUnit',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.SlugField(max_length=60, unique=True)),
                    ('name', models.CharField(max_length=200)),
                    ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='people.orgunit')),
                ],
                options={
                    'ordering': ['name'],
                },
            ),
            migrations.CreateModel(
                name='Person',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('given_name', models.CharField(max_length=100)),
                    ('family_name', models.CharField(max_length=100)),
                    ('email', models.EmailField(max_length=254, unique=True)),
                    ('kind', models.CharField(choices=[('student', 'Student'), ('teacher', 'Teacher'), ('staff', 'Staff')], default='student', max_length=10)),
                    ('title', models.CharField(blank=True, max_length=120)),
                    ('active', models.BooleanField(default=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('org_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='people', to='people.orgunit')),
                    ('user', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='person', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name_plural': 'people',
                    'ordering': ['family_name', 'given_name', 'id'],
                },
            ),
            migrations.CreateModel(
                name='ReportingLine',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('valid_from', models.DateTimeField(default=django.utils.timezone.now)),
                    ('valid_to', models.DateTimeField(blank=True, null=True)),
                    ('manager', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='managed_lines', to='people.person')),
                    ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reporting_lines', to='people.person')),
                ],
                options={
                    'ordering': ['person_id', '-valid_from'],
                },
            ),
            migrations.AddConstraint(
                model_name='orgunit',
                constraint=models.CheckConstraint(condition=models.Q(('parent', models.F('pk')), _negated=True), name='orgunit_not_own_parent'),
            ),
            migrations.AddIndex(
                model_name='person',
                index=models.Index(fields=['family_name', 'given_name'], name='person_name_idx'),
            ),
            migrations.AddIndex(
                model_name='reportingline',
                index=models.Index(fields=['manager', 'valid_to'], name='reportingline_manager_idx'),
            ),
            migrations.AddConstraint(
                model_name='reportingline',
                constraint=models.CheckConstraint(condition=models.Q(('person', models.F('manager')), _negated=True), name='reportingline_not_self'),
            ),
            migrations.AddConstraint(
                model_name='reportingline',
                constraint=models.CheckConstraint(condition=models.Q(('valid_to__isnull', True), ('valid_to__gt', models.F('valid_from')), _connector='OR'), name='reportingline_ends_after_start'),
            ),
            migrations.AddConstraint(
                model_name='reportingline',
                constraint=models.UniqueConstraint(condition=models.Q(('valid_to__isnull', True)), fields=('person',), name='reportingline_one_current_manager'),
            ),
        ),
        relabel_content_types('school', 'people', ['orgunit', 'person', 'reportingline']),
    ]
