"""The ledger refuses TRUNCATE too, unless the session explicitly asks for the bypass.

UPDATE and DELETE are refused row by row (0002); TRUNCATE skips row triggers, so it gets a
statement trigger of its own. The one legitimate TRUNCATE is the test suite's flush between
transactional tests: the test database's connections set `lasso.ledger_truncate = allow`
(tests/conftest.py), which no production connection does.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION consent_event_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('lasso.ledger_truncate', true), '') = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'consent_consentevent is append-only: TRUNCATE is not allowed',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consent_event_no_truncate
    BEFORE TRUNCATE ON consent_consentevent
    FOR EACH STATEMENT EXECUTE FUNCTION consent_event_no_truncate();
"""

REVERSE = """
DROP TRIGGER IF EXISTS consent_event_no_truncate ON consent_consentevent;
DROP FUNCTION IF EXISTS consent_event_no_truncate();
"""


def forward(apps, schema_editor):
    # SQLite (the newcomer's demo database) has no TRUNCATE statement.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_append_only_trigger")]
    operations = [migrations.RunPython(forward, reverse)]
