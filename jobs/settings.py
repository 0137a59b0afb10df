"""The Celery side's settings, read from the environment when an app or a client needs them.

One reader for every ``STUDIO_*`` variable of ``jobs/`` (names and defaults in docs/jobs.md),
so nothing is read at import time and a test can make an app with other values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    broker_url: str = "redis://127.0.0.1:6379/0"
    result_backend: str = "redis://127.0.0.1:6379/1"
    batch_store: str = ""  # Redis for batch and schedule records; empty: the result backend
    # A message taken by a worker that then vanished is handed out again after this
    # long; it must exceed the longest job (a video takes well under a minute).
    visibility_timeout: int = 3600
    restore_interval: int = 10  # how often a worker sweeps for such messages
    max_worker_losses: int = 3  # a job that killed its worker this many times fails instead of running again
    # work units and feeding: jobs per render task, and how many tasks the broker holds at once per batch
    task_jobs: int = 20
    submit_window: int = 50
    # a worker's own folder to render into when batches have a store (--storage): nothing shared but the store
    scratch: str = ""
    # beat: the campaign it schedules (none: no calendar entry), where batches write, and the rule's numbers
    campaign: str = ""
    out: str = "outputs"
    tick_seconds: float = 60
    grace_hours: float = 6
    schedule_hour: int = 6

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        d = cls()

        def number(name: str, default: float, kind: type = int):
            text = env.get(name)
            if text is None:
                return default
            try:
                return kind(text)
            except ValueError:
                whole = "số nguyên" if kind is int else "số"
                raise ValueError(f"biến môi trường {name}={text!r} phải là một {whole} (mặc định {default:g}); "
                                 f"sửa hoặc bỏ biến này") from None

        campaign = env.get("STUDIO_CAMPAIGN", "")
        return cls(
            broker_url=env.get("STUDIO_BROKER_URL", d.broker_url),
            result_backend=env.get("STUDIO_RESULT_BACKEND", d.result_backend),
            batch_store=env.get("STUDIO_BATCH_STORE", ""),
            visibility_timeout=number("STUDIO_VISIBILITY_TIMEOUT", d.visibility_timeout),
            restore_interval=number("STUDIO_RESTORE_INTERVAL", d.restore_interval),
            max_worker_losses=number("STUDIO_MAX_WORKER_LOSSES", d.max_worker_losses),
            task_jobs=max(1, number("STUDIO_TASK_JOBS", d.task_jobs)),
            submit_window=max(1, number("STUDIO_SUBMIT_WINDOW", d.submit_window)),
            scratch=os.path.abspath(env["STUDIO_SCRATCH"]) if env.get("STUDIO_SCRATCH") else "",
            campaign=os.path.abspath(campaign) if campaign else "",
            out=os.path.abspath(env.get("STUDIO_OUT", d.out)),
            tick_seconds=number("STUDIO_TICK_SECONDS", d.tick_seconds, float),
            grace_hours=number("STUDIO_GRACE_HOURS", d.grace_hours, float),
            schedule_hour=number("STUDIO_SCHEDULE_HOUR", d.schedule_hour),
        )

    @property
    def store_url(self) -> str:
        return self.batch_store or self.result_backend
