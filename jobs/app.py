"""The Celery app, configured from the environment.

Tasks are acknowledged late and rejected (so re-queued) when their worker dies:
a job killed half-way runs again, and atomic writes mean it left no partial file.
"""

from __future__ import annotations

import os

from celery import Celery

BROKER_URL = os.environ.get("STUDIO_BROKER_URL", "redis://127.0.0.1:6379/0")
RESULT_BACKEND = os.environ.get("STUDIO_RESULT_BACKEND", "redis://127.0.0.1:6379/1")

app = Celery("studio", broker=BROKER_URL, backend=RESULT_BACKEND, include=["jobs.tasks"])
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    result_expires=7 * 24 * 3600,
    # A message taken by a worker that then vanished is handed out again after this
    # long; it must exceed the longest job (a video takes well under a minute).
    # A worker sweeps for such messages every ``unacked_restore_interval`` seconds.
    broker_transport_options={
        "visibility_timeout": int(os.environ.get("STUDIO_VISIBILITY_TIMEOUT", "3600")),
        "unacked_restore_interval": int(os.environ.get("STUDIO_RESTORE_INTERVAL", "10")),
        "unacked_restore_throttle": 1,
    },
    broker_connection_retry_on_startup=True,
    timezone="Asia/Ho_Chi_Minh",
    enable_utc=True,
)

# ``celery -A jobs beat`` with STUDIO_CAMPAIGN set: one guard task checks the campaign's
# calendar every minute and submits what is due (see jobs.schedule for the missed-run rule).
if os.environ.get("STUDIO_CAMPAIGN"):
    app.conf.beat_schedule = {
        "studio-calendar": {
            "task": "studio.tick",
            "schedule": float(os.environ.get("STUDIO_TICK_SECONDS", "60")),
            "args": (os.path.abspath(os.environ["STUDIO_CAMPAIGN"]), os.path.abspath(os.environ.get("STUDIO_OUT", "outputs"))),
            "kwargs": {"grace_hours": float(os.environ.get("STUDIO_GRACE_HOURS", "6")),
                       "hour": int(os.environ.get("STUDIO_SCHEDULE_HOUR", "6"))},
            "options": {"expires": 300},
        },
    }
