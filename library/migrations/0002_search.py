"""Full-text and typo-tolerant search on PostgreSQL; a placeholder column elsewhere.

`search_document` is a stored generated tsvector (title A, subtitle B, summary C) with a GIN
index; pg_trgm's GIN index on the title serves similarity (`%`) for misspelt queries. SQLite gets
a NULL column so the model loads, and the selectors search with icontains there.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from library.migration_ops import PostgreSQLOnly

SEARCH_DOCUMENT = models.GeneratedField(
    db_persist=True,
    expression=django.contrib.postgres.search.CombinedSearchVector(
        django.contrib.postgres.search.CombinedSearchVector(
            django.contrib.postgres.search.SearchVector("title", config="english", weight="A"),
            "||",
            django.contrib.postgres.search.SearchVector("subtitle", config="english", weight="B"),
            django.contrib.postgres.search.SearchConfig("english"),
        ),
        "||",
        django.contrib.postgres.search.SearchVector("summary", config="english", weight="C"),
        django.contrib.postgres.search.SearchConfig("english"),
    ),
    output_field=django.contrib.postgres.search.SearchVectorField(),
)


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        TrigramExtension(),
        PostgreSQLOnly(
            migrations.AddField(model_name="book", name="search_document", field=SEARCH_DOCUMENT),
            fallback=migrations.RunSQL(
                "ALTER TABLE library_book ADD COLUMN search_document text NULL",
                reverse_sql="ALTER TABLE library_book DROP COLUMN search_document",
            ),
        ),
        PostgreSQLOnly(
            migrations.AddIndex(
                model_name="book",
                index=django.contrib.postgres.indexes.GinIndex(
                    fields=["search_document"], name="book_search_gin"
                ),
            )
        ),
        PostgreSQLOnly(
            migrations.AddIndex(
                model_name="book",
                index=django.contrib.postgres.indexes.GinIndex(
                    fields=["title"], name="book_title_trgm_gin", opclasses=["gin_trgm_ops"]
                ),
            )
        ),
    ]
