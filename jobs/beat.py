"""Beat's schedule: the campaign's calendar, the rule for runs that beat missed, beat's entry.

Runs: a batch at the start of each phase and sub-phase (phases starting the same
day share one batch), and one each further day of a ``daily`` sub-phase (the
congress days) so bulletins edited overnight go out; incremental builds make an
unchanged day's batch cost nothing.

Beat does not hold one entry per run (crontab has no year, and beat's own catch-up
depends on its state file): it calls the guard task ``studio.tick`` every minute,
which submits every run that is due and not yet recorded in Redis. A run whose time
passed while beat was down is submitted once if it is at most ``grace`` old, and
recorded as missed (reported, never run) when older: starting beat today on a 2025
campaign fires nothing. The guard task itself is ``jobs.submit.tick`` (it passes
``submit`` in, so this module does not depend on the Celery canvas).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from studio import vi
from studio.artifacts import atomic_write_json
from studio.campaign import Campaign

from . import batch
from .settings import Settings

TZ = vi.VIETNAM
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    at: datetime
    phases: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.at.isoformat(timespec='minutes')}|{','.join(self.phases)}"


def calendar(campaign: Campaign, hour: int = 6) -> list[Run]:
    """Every scheduled batch of the campaign, in time order (local time, ``hour`` o'clock)."""
    slots: dict[datetime, list[tuple[str, str]]] = {}
    for phase in campaign.all_phases():
        slots.setdefault(datetime.combine(phase.start, time(hour), TZ), []).append(
            (phase.id, f"bắt đầu {phase.name}"))
        if phase.daily:
            for day in phase.days()[1:]:
                slots.setdefault(datetime.combine(day, time(hour), TZ), []).append(
                    (phase.id, f"bản tin hằng ngày {phase.name} ({vi.date(day)})"))
    return [Run(at, tuple(dict.fromkeys(p for p, _ in items)), tuple(r for _, r in items))
            for at, items in sorted(slots.items())]


def decide(runs: list[Run], now: datetime, grace: timedelta, recorded: set[str] | dict) -> tuple[list[Run], list[Run]]:
    """Split the runs not yet recorded whose time has come into (to run now, missed)."""
    due, missed = [], []
    for run in runs:
        if run.key in recorded or run.at > now:
            continue
        (due if now - run.at <= grace else missed).append(run)
    return due, missed


def describe(run: Run, now: datetime, grace: timedelta, recorded: dict[str, str]) -> str:
    """A run's state in words, for ``studio schedule``."""
    if run.key in recorded:
        info = json.loads(recorded[run.key])
        if info.get("state") == "submitted":
            return f"đã gửi lô {info['batch']}"
        if info.get("state") == "missed":
            return "bỏ lỡ (beat không chạy đúng giờ), không chạy bù"
        return info.get("state", "?")
    if run.at > now:
        return "sắp tới"
    if now - run.at <= grace:
        return "đến hạn: chạy ở lần kiểm tra tới"
    return f"đã qua quá {vi.number(grace.total_seconds() / 3600)} giờ: sẽ không chạy"


def schedule_key(campaign_id: str) -> str:
    return f"studio:schedule:{campaign_id}"


def beat_schedule(settings: Settings) -> dict:
    """Beat's one entry when a campaign is configured: the guard task, every ``tick_seconds``."""
    if not settings.campaign:
        return {}
    return {"studio-calendar": {
        "task": "studio.tick",
        "schedule": settings.tick_seconds,
        "args": (settings.campaign, settings.out),
        "kwargs": {"grace_hours": settings.grace_hours, "hour": settings.schedule_hour},
        "options": {"expires": 300},
    }}


def saved_schedule(out: str | Path, campaign_id: str) -> Path:
    """The copy of beat's record in the output folder (Redis may restart without persistence)."""
    return Path(out) / ".cache" / "schedule" / f"{campaign_id}.json"


def run_due(campaign_root: str, out: str, submit: Callable[..., tuple[str, object]],
            resume: Callable[[Campaign, dict], object], grace_hours: float = 6, hour: int = 6,
            now: datetime | None = None) -> list[dict]:
    """The guard task's body: submit due runs once (``submit``), record missed ones; return what it did.

    Beat's record is copied to the output folder. When Redis has lost it (a restart), the
    copy is put back first, so a run that already happened is neither submitted again nor
    called missed, and each batch that Redis lost before it finished is sent again under
    its id (``resume``): a scheduled run completes with nobody watching.
    """
    from studio.build import context_for

    campaign = context_for(campaign_root, out).campaign  # reloaded only when a campaign file changes
    now = now or datetime.now(TZ)
    r = batch.client()
    key = schedule_key(campaign.id)
    saved = saved_schedule(out, campaign.id)
    recorded = r.hgetall(key)
    done: list[dict] = []
    if saved.is_file():
        for run_key, info in json.loads(saved.read_text(encoding="utf-8")).items():
            # HSETNX first, as for a due run: two ticks racing put a run back (and resume its batch) once.
            if run_key in recorded or not r.hsetnx(key, run_key, info):
                continue
            recorded[run_key] = info
            try:
                resumed = _resume_lost(run_key, json.loads(info), campaign, out, resume)
            except BaseException:
                r.hdel(key, run_key)  # not sent again: the next tick tries again
                raise
            if resumed:
                done.append(resumed)
    due, missed = decide(calendar(campaign, hour), now, timedelta(hours=grace_hours), set(recorded))
    for run in missed:
        if r.hsetnx(key, run.key, json.dumps({"state": "missed", "noted_at": now.isoformat()})):
            log.warning("Bỏ lỡ lô %s (%s): đã quá %s giờ, không chạy bù.", run.key, "; ".join(run.reasons),
                        vi.number(grace_hours))
            done.append({"run": run.key, "state": "missed"})
    for run in due:
        # HSETNX first: two ticks racing (or two beats) submit a run once.
        if not r.hsetnx(key, run.key, json.dumps({"state": "submitting"})):
            continue
        try:
            batch_id, _ = submit(campaign, out, list(run.phases))
        except BaseException:
            r.hdel(key, run.key)  # not submitted: the next tick tries again
            raise
        r.hset(key, run.key, json.dumps({"state": "submitted", "batch": batch_id, "at": now.isoformat()}))
        log.info("Đã gửi lô %s cho %s.", batch_id, "; ".join(run.reasons))
        done.append({"run": run.key, "state": "submitted", "batch": batch_id})
    if done:
        atomic_write_json(saved, {k: v for k, v in r.hgetall(key).items() if json.loads(v)["state"] != "submitting"})
    return done


def _resume_lost(run_key: str, info: dict, campaign: Campaign, out: str, resume) -> dict | None:
    """A run put back from the folder's copy whose batch Redis lost before it finished: send it again."""
    if info.get("state") != "submitted" or batch.meta(info["batch"]) is not None:
        return None
    copy = batch.from_folder(out, info["batch"])
    if copy is None or copy["meta"]["state"] in ("finished", "failed"):
        return None
    resume(campaign, copy["meta"])
    log.warning("Redis đã mất hồ sơ lô %s (%s); đã gửi lại, chỉ phần còn thiếu được tạo.", info["batch"], run_key)
    return {"run": run_key, "state": "resumed", "batch": info["batch"]}


def recorded_runs(campaign_id: str) -> dict[str, str]:
    """What beat has done so far ({} when Redis is not reachable)."""
    try:
        return batch.client().hgetall(schedule_key(campaign_id))
    except Exception:  # the calendar is still worth printing without Redis
        return {}
