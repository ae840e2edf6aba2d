from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION consent_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'consent_consentevent is append-only: ' || TG_OP || ' is not allowed',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consent_event_no_update_delete
    BEFORE UPDATE OR DELETE ON consent_consentevent
    FOR EACH ROW EXECUTE FUNCTION consent_event_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS consent_event_no_update_delete ON consent_consentevent;
DROP FUNCTION IF EXISTS consent_event_append_only();
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER consent_event_no_update BEFORE UPDATE ON consent_consentevent
       BEGIN SELECT RAISE(ABORT, 'consent_consentevent is append-only: UPDATE is not allowed'); END;""",
    """CREATE TRIGGER consent_event_no_delete BEFORE DELETE ON consent_consentevent
       BEGIN SELECT RAISE(ABORT, 'consent_consentevent is append-only: DELETE is not allowed'); END;""",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS consent_event_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS consent_event_no_delete")


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
