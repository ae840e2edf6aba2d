"""The one Celery app. Its configuration is the CELERY_* names in lasso.settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lasso.settings")

app = Celery("lasso")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
