"""The one Celery app. Its configuration is the CELERY_* names in lasso.settings.

Workers keep their database connection across tasks (CELERY_DB_REUSE_MAX), so Celery no
longer asks Django whether it still works: after a database restart every task in a worker
process would fail on the dead connection until some thousand tasks later. Before each
task, a connection that broke or outlived CONN_MAX_AGE is dropped, and the next query checks
the connection (CONN_HEALTH_CHECKS), as a web request does.
"""

import os
import sys

from celery import Celery
from celery.signals import task_prerun, worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lasso.settings")

SWITCH_INTERVAL_SECONDS = 0.001

app = Celery("lasso")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
@worker_ready.connect
def _settle_the_process(**_: object) -> None:
    # A prefork child once it is forked; the main process (the only one with the solo and
    # threads pools) once it is ready.
    from lasso import heap

    heap.freeze()
    # A drain's thread and its sender threads share the interpreter: a thread back from
    # PostgreSQL waits up to this long for another to hand over (default 5 ms), on every
    # statement. 1 ms keeps a drain's batch from crawling while its texts go out.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


@task_prerun.connect
def _drop_broken_database_connections(task: object = None, **_: object) -> None:
    if getattr(getattr(task, "request", None), "is_eager", False):
        return  # run inside the caller's request (and maybe its transaction): not ours
    from django.db import close_old_connections

    close_old_connections()
