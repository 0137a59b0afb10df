"""The campaign calendar for beat, and the missed-run rule, with fixed "now" values."""
# ruff: noqa: F811  (the jobs_env fixtures imported below are test parameters)

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from jobs_env import ROOT, fakes, private_redis, redis_db  # noqa: F401  (fixtures)

from jobs.beat import TZ, calendar, decide, run_due

# celery's Redis result backend calls redis-py's deprecated setex: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

GRACE = timedelta(hours=6)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_calendar_matches_the_phase_dates(example_campaign):
    runs = calendar(example_campaign, hour=6)
    assert [(r.at, r.phases) for r in runs] == [
        (at("2025-01-01T06:00"), ("dot-1",)),
        (at("2025-08-01T06:00"), ("dot-2", "dot-2-1")),  # a phase and its first sub-phase start together
        (at("2025-09-24T06:00"), ("dot-2-2",)),
        (at("2025-09-25T06:00"), ("dot-2-2",)),  # daily bulletins during the congress days
        (at("2025-09-26T06:00"), ("dot-2-2",)),
        (at("2025-09-27T06:00"), ("dot-3",)),
    ]
    starts = {p.id: p.start for p in example_campaign.all_phases()}
    for run in runs:
        for phase in run.phases:
            phase_obj = example_campaign.phase(phase)
            assert starts[phase] <= run.at.date() <= phase_obj.end
    daily = [p for p in example_campaign.all_phases() if p.daily]
    assert {r.at.date() for r in runs if r.phases == ("dot-2-2",)} == set(daily[0].days())


def test_starting_beat_today_fires_nothing_from_2025(example_campaign):
    runs = calendar(example_campaign)
    due, missed = decide(runs, at("2026-11-28T10:00"), GRACE, set())
    assert due == [] and missed == runs


def test_missed_run_within_grace_runs_once_older_ones_are_reported(example_campaign):
    runs = calendar(example_campaign)
    # beat was down at 06:00 on the first congress day and came back at 09:30
    due, missed = decide(runs, at("2025-09-24T09:30"), GRACE, set())
    assert [r.at for r in due] == [at("2025-09-24T06:00")]
    assert [r.at for r in missed] == [at("2025-01-01T06:00"), at("2025-08-01T06:00")]
    # once recorded, the next tick does nothing
    recorded = {r.key for r in due + missed}
    assert decide(runs, at("2025-09-24T09:31"), GRACE, recorded) == ([], [])
    # back only at 12:01: six hours and a minute late is too late
    due, missed = decide(runs, at("2025-09-24T12:01"), GRACE, {runs[0].key, runs[1].key})
    assert due == [] and [r.at for r in missed] == [at("2025-09-24T06:00")]
    # exactly on time, and not before
    assert decide(runs, at("2025-09-25T05:59"), GRACE, recorded)[0] == []
    assert [r.at for r in decide(runs, at("2025-09-25T06:00"), GRACE, recorded)[0]] == [at("2025-09-25T06:00")]


def test_guard_task_submits_a_due_run_once_and_records_missed(redis_db, fakes, example_path, tmp_path):
    from jobs import batch
    from jobs.beat import recorded_runs
    from jobs.submit import resume, submit

    now = at("2025-09-24T07:00")
    done = run_due(str(example_path), str(tmp_path / "out"), submit, resume, grace_hours=6, now=now)
    submitted = [d for d in done if d["state"] == "submitted"]
    assert [d["state"] for d in done].count("missed") == 2 and len(submitted) == 1
    meta = batch.meta(submitted[0]["batch"])
    assert meta["phases"] == ["dot-2-2"] and meta["todo"] > 0
    later = now + timedelta(minutes=1)
    assert run_due(str(example_path), str(tmp_path / "out"), submit, resume, grace_hours=6, now=later) == []
    states = {k: json.loads(v)["state"] for k, v in recorded_runs("ninh-thuan-2025").items()}
    assert sorted(states.values()) == ["missed", "missed", "submitted"]


def test_after_a_redis_restart_the_guard_task_resumes_the_lost_batch(private_redis, fakes, example_path, tmp_path):
    """Beat's record and the batch record come back from the output folder: the 06:00 run is not
    submitted as a new batch nor called missed, and its unfinished batch is sent again under its id."""
    from jobs import batch
    from jobs.beat import recorded_runs
    from jobs.submit import resume, submit

    out = str(tmp_path / "out")
    now = at("2025-09-24T07:00")
    done = run_due(str(example_path), out, submit, resume, grace_hours=6, now=now)
    [run] = [d for d in done if d["state"] == "submitted"]
    todo = batch.meta(run["batch"])["todo"]
    private_redis.kill()  # restarted without persistence: the queue, the batch record and beat's record are gone
    private_redis.start()
    assert batch.meta(run["batch"]) is None and recorded_runs("ninh-thuan-2025") == {}
    later = now + timedelta(minutes=1)
    assert run_due(str(example_path), out, submit, resume, grace_hours=6, now=later) == [
        {"run": run["run"], "state": "resumed", "batch": run["batch"]}]
    meta = batch.meta(run["batch"])
    assert meta["state"] == "queued" and "resumed_at" in meta and meta["todo"] == todo  # nothing rendered yet
    assert len(batch.jobs(run["batch"])) == todo
    states = {k: json.loads(v)["state"] for k, v in recorded_runs("ninh-thuan-2025").items()}
    assert sorted(states.values()) == ["missed", "missed", "submitted"]
    assert json.loads(recorded_runs("ninh-thuan-2025")[run["run"]])["batch"] == run["batch"]
    assert run_due(str(example_path), out, submit, resume, grace_hours=6, now=later + timedelta(minutes=1)) == []


def test_beat_schedule_runs_the_guard_task_for_the_configured_campaign(example_path):
    """``celery -A jobs`` (here ``celery report``, which prints the configuration) makes its app from
    the environment it starts with."""
    env = {**os.environ, "STUDIO_CAMPAIGN": str(example_path), "STUDIO_GRACE_HOURS": "12",
           "STUDIO_VISIBILITY_TIMEOUT": "77", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([str(Path(sys.executable).parent / "celery"), "-A", "jobs", "report"], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "'task': 'studio.tick'" in out and f"'{example_path}'" in out and "'grace_hours': 12.0" in out
    assert "'visibility_timeout': 77" in out


def test_settings_are_read_when_the_app_is_made_not_at_import(example_path):
    from jobs.app import current, make_app
    from jobs.settings import Settings

    try:
        app = make_app(Settings.from_env({"STUDIO_BROKER_URL": "redis://127.0.0.1:6379/9",
                                          "STUDIO_CAMPAIGN": str(example_path), "STUDIO_SCHEDULE_HOUR": "7",
                                          "STUDIO_MAX_WORKER_LOSSES": "5"}))
        assert current() is app and app.conf.broker_url == "redis://127.0.0.1:6379/9"
        assert app.conf.beat_schedule["studio-calendar"]["kwargs"] == {"grace_hours": 6.0, "hour": 7}
        assert app.conf.studio_max_worker_losses == 5
        assert make_app(Settings.from_env({})).conf.beat_schedule == {}  # no campaign: no calendar entry
    finally:
        make_app(Settings.from_env())  # the environment's app again, for the tests that follow
    with pytest.raises(ValueError, match=r"STUDIO_MAX_WORKER_LOSSES='ba' phải là một số nguyên \(mặc định 3\)"):
        Settings.from_env({"STUDIO_MAX_WORKER_LOSSES": "ba"})


def test_schedule_command_prints_the_calendar(example_path):
    from typer.testing import CliRunner

    from studio.cli import app

    result = CliRunner().invoke(app, ["schedule", str(example_path), "--now", "2025-09-24T07:00"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "6h00 ngày 24/09/2025" in text and "6h00 ngày 27/09/2025" in text and "sắp tới" in text


def test_no_redis_gives_a_clear_error(monkeypatch):
    from typer.testing import CliRunner

    from studio.cli import app

    monkeypatch.setenv("STUDIO_BATCH_STORE", "redis://127.0.0.1:1/0")  # nothing listens there
    result = CliRunner().invoke(app, ["batch", "status", "20250101-000000-abcdef"])
    assert result.exit_code == 2 and "Không kết nối được" in result.output and "Traceback" not in result.output
