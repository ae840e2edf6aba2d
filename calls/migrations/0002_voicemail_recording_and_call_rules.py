"""Voicemail kept server-side (recording SID and URL instead of a URL shown to users), its
transcript, a public id for URLs, when the call ended, the forwarding line, the account.

Existing rows keep their data: the old voicemail URL becomes `recording_url`, and its
recording SID is filled in only when the URL is exactly one of Twilio's recording URLs (so
only those can be played back); every row gets its own public id.
"""

import re
import uuid

from django.db import migrations, models

RECORDING_URL = re.compile(
    r"https://api(?:\.[a-z0-9-]+){0,2}\.twilio\.com/2010-04-01/Accounts/AC[0-9a-fA-F]{32}"
    r"/Recordings/(?P<sid>RE[0-9a-fA-F]{32})(?:\.(?:mp3|wav|json))?"
)
BATCH = 1000


def fill_public_ids_and_recording_sids(apps, schema_editor):
    Call = apps.get_model("calls", "Call")
    batch = []
    for call in Call.objects.only("pk", "recording_url").iterator(chunk_size=BATCH):
        call.public_id = uuid.uuid4()
        match = RECORDING_URL.fullmatch(call.recording_url)
        call.recording_sid = match["sid"] if match else ""
        batch.append(call)
        if len(batch) >= BATCH:
            Call.objects.bulk_update(batch, ["public_id", "recording_sid"])
            batch = []
    if batch:
        Call.objects.bulk_update(batch, ["public_id", "recording_sid"])


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="call", old_name="voicemail_url", new_name="recording_url"
        ),
        migrations.AlterField(
            model_name="call",
            name="recording_url",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="call",
            name="recording_sid",
            field=models.CharField(blank=True, max_length=34),
        ),
        migrations.AddField(
            model_name="call",
            name="voicemail_transcript",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="call",
            name="account_sid",
            field=models.CharField(
                blank=True, help_text="The Twilio account the call came in on.", max_length=34
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="forwarded_from",
            field=models.CharField(
                blank=True,
                help_text="The line that forwarded the call (ForwardedFrom).",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="called_via",
            field=models.CharField(
                blank=True,
                help_text="The number dialled, when another forwarded it.",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="ended_at",
            field=models.DateTimeField(
                blank=True, help_text="When Twilio first reported a final call status.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="call",
            name="is_repeat",
            field=models.BooleanField(
                default=False,
                help_text="Missed again within the cooldown after an earlier call that was "
                "texted back.",
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill_public_ids_and_recording_sids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="call",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
