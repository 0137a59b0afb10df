"""The Celery app factory: ``make_app(settings)``.

Tasks are acknowledged late and rejected (so re-queued) when their worker dies:
a job killed half-way runs again, and atomic writes mean it left no partial file
(``jobs.tasks.render`` stops a job that keeps killing its worker).
The tasks are ``shared_task``s, so they run on whichever app the process made.
"""

from __future__ import annotations

from celery import Celery

from .beat import beat_schedule
from .settings import Settings

_made: Celery | None = None


def make_app(settings: Settings) -> Celery:
    """A configured app, which becomes the process's default app."""
    global _made
    app = Celery("studio", broker=settings.broker_url, backend=settings.result_backend,
                 include=["jobs.tasks", "jobs.submit"])
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        result_expires=7 * 24 * 3600,
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": settings.restore_interval,
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        timezone="Asia/Ho_Chi_Minh",
        enable_utc=True,
        beat_schedule=beat_schedule(settings),
        studio_max_worker_losses=settings.max_worker_losses,
        studio_task_jobs=settings.task_jobs,
        studio_submit_window=settings.submit_window,
        studio_scratch=settings.scratch,
    )
    app.set_default()
    _made = app
    return app


def current() -> Celery:
    """The app this process made, or one made now from the environment (a client such as
    ``studio build --celery`` makes it when it first sends a batch)."""
    return _made or make_app(Settings.from_env())
