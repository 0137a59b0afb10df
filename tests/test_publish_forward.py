"""What is published only moves forward (issue 13), against SeaweedFS, a local folder and ``memory://``.

A partly failed build deletes nothing still wanted; a retraction deletes exactly its objects; a big
deletion needs --allow-delete; --dry-run changes nothing; an old manifest put back is refused by
verify and pull; a file changed after the build never replaces the published copy; the uploads of
an interrupted publish are "chưa xuất bản", not "THÊM VÀO".
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid

import pytest
from s3fixtures import *  # noqa: F401,F403  (fixtures)
from s3fixtures import built_phase, planned_build, s3_client
from typer.testing import CliRunner

from studio.artifacts import sha256_file
from studio.cli import app
from studio.loader import load_campaign
from studio.manifest import write_manifest
from studio.publish import PublishError, signing
from studio.publish.freshness import digest
from studio.publish.publish import publish
from studio.publish.pull import pull
from studio.publish.signing import load_private, load_public
from studio.publish.verify import verify
from studio.storage import StorageError, open_storage

runner = CliRunner()
CAMPAIGN = "ninh-thuan-2025"
FEELINGS = "dot1-tinh-cam-ky-vong"  # 4 infographics once it leaves the radio channel (below)
EMULATION = "dot1-thi-dua"  # carried by every commune bulletin: retracting it touches most of the phase


def edit_brief(folder, brief_id: str, **lines) -> None:
    """Rewrite top-level ``key: value`` lines of a brief's YAML, as an editor would."""
    path = folder / "briefs" / f"{brief_id}.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in lines.items():
        text, n = re.subn(rf"^{key}: .*$", f"{key}: {value}", text, flags=re.M)
        assert n == 1, key
    path.write_text(text, encoding="utf-8")


def objects(bucket: str) -> dict[str, str]:
    """Every object of the bucket with its ETag (changes whenever the bytes are written again)."""
    pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}


def phase_objects(bucket: str) -> dict[str, str]:
    """The phase's objects but its manifest, by path as manifests name them (``dot-1/…``)."""
    return {k.removeprefix(f"{CAMPAIGN}/"): v for k, v in objects(bucket).items()
            if k.startswith(f"{CAMPAIGN}/dot-1/") and not k.endswith("/manifest.json")}


def published_manifest(bucket: str) -> tuple[dict, bytes]:
    blob = s3_client().get_object(Bucket=bucket, Key=f"{CAMPAIGN}/dot-1/manifest.json")["Body"].read()
    return json.loads(blob), blob


def cli_publish(folder, out, to: str, key, *extra: str):
    return runner.invoke(app, ["publish", str(folder), "--phase", "dot-1", "--out", str(out), "--to", to,
                               "--key", str(key), *extra])


def test_partly_failed_build_deletes_nothing_still_wanted(bucket, keys, campaign_copy, tmp_path):
    private, public = keys
    campaign = load_campaign(campaign_copy)
    out = tmp_path / "out"
    first = planned_build(out, campaign)
    result = cli_publish(campaign_copy, out, f"s3://{bucket}", private)
    assert result.exit_code == 0, result.output
    assert "manifest bản số 1" in result.output
    before = phase_objects(bucket)
    assert len(before) == len(first) == 102

    # The rebuild fails for every pa nô, the deck and the videos (the fonts lack a glyph, the disk is
    # full…): its manifest lists only the rest, which changed.
    lost = [a["path"] for a in first if a["channel"] in ("pano", "hoi-nghi") or a["format"].startswith("video")]
    rebuilt = planned_build(out, campaign, version="2",
                            leave_out=lambda job: job.channel in ("pano", "hoi-nghi") or job.kind == "video")
    assert len(rebuilt) + len(lost) == 102 and len(lost) > 10
    result = cli_publish(campaign_copy, out, f"s3://{bucket}", private)
    assert result.exit_code == 3, result.output
    assert f"tải lên {len(rebuilt)} " in result.output and "xóa 0" in result.output
    assert f"giữ bản cũ {len(lost)}" in result.output and "manifest bản số 2" in result.output
    for path in lost:
        assert f"GIỮ BẢN ĐÃ XUẤT BẢN (thiếu trong bản build, bản tin vẫn được duyệt): {path}" in result.output
    after = phase_objects(bucket)
    assert set(after) == set(before)  # nothing deleted
    assert {p: after[p] for p in lost} == {p: before[p] for p in lost}  # the previous versions, untouched
    manifest, _ = published_manifest(bucket)
    named = {a["path"]: a["sha256"] for a in manifest["artifacts"]}
    assert len(named) == 102 and all(named[a["path"]] == a["sha256"] for a in first if a["path"] in lost)
    assert all(named[a["path"]] == a["sha256"] for a in rebuilt)
    report = verify(f"s3://{bucket}/{CAMPAIGN}/dot-1", load_public(public))
    assert report.ok and report.checked == 102 and report.sequence == 2


def test_retraction_deletes_exactly_its_objects_dry_run_and_threshold(bucket, keys, campaign_copy, tmp_path):
    private, public = keys
    edit_brief(campaign_copy, FEELINGS, channels="[mang-xa-hoi]",
               formats="[infographic-1080x1080, infographic-1080x1350, infographic-1200x628, infographic-1080x1920]")
    out = tmp_path / "out"
    build = planned_build(out, load_campaign(campaign_copy))
    result = cli_publish(campaign_copy, out, f"s3://{bucket}", private)
    assert result.exit_code == 0, result.output
    before, log = objects(bucket), out / CAMPAIGN / "publish-log.jsonl"
    lines = len(log.read_text().splitlines())
    own = sorted(a["path"] for a in build if a["brief"] == FEELINGS)
    assert len(own) == 4 and set(own) <= set(phase_objects(bucket))

    # Set back to draft: its four infographics are retracted, nothing else (4 of 102, under 10 %).
    edit_brief(campaign_copy, FEELINGS, approval="{status: draft}")
    planned_build(out, load_campaign(campaign_copy))
    dry = cli_publish(campaign_copy, out, f"s3://{bucket}", private, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert [line.split(": ", 1)[1] for line in dry.output.splitlines() if line.startswith("SẼ XÓA")] == own
    assert "THỬ, chưa thay đổi gì" in dry.output and "sẽ tải lên 0" in dry.output
    assert objects(bucket) == before  # no upload, no manifest, no log object, no deletion
    assert len(log.read_text().splitlines()) == lines
    result = cli_publish(campaign_copy, out, f"s3://{bucket}", private)
    assert result.exit_code == 0, result.output
    for path in own:
        assert f"ĐÃ XÓA (bản tin đã bị rút): {path}" in result.output
    remaining = phase_objects(bucket)
    assert set(remaining) == {a["path"] for a in build} - set(own)
    assert all(before[f"{CAMPAIGN}/{path}"] == etag for path, etag in remaining.items())  # the rest untouched
    assert verify(f"s3://{bucket}/{CAMPAIGN}/dot-1", load_public(public)).ok

    # Retracting the brief every commune bulletin carries would delete most of the phase: refused…
    edit_brief(campaign_copy, EMULATION, approval="{status: draft}")
    planned_build(out, load_campaign(campaign_copy))
    unchanged = objects(bucket)
    refused = cli_publish(campaign_copy, out, f"s3://{bucket}", private)
    assert refused.exit_code == 1 and "quá ngưỡng 10%" in refused.output and "--allow-delete" in refused.output
    assert objects(bucket) == unchanged
    # …unless asked for; then exactly what draws on it goes: every commune bulletin and its own assets.
    allowed = cli_publish(campaign_copy, out, f"s3://{bucket}", private, "--allow-delete")
    assert allowed.exit_code == 0, allowed.output
    carries = {a["path"] for a in build if a["channel"] == "truyen-thanh-co-so" or a["brief"] == EMULATION}
    assert len(carries) == 62 + 7 + 4 + 1  # bulletins, pa nô, infographics, poster
    assert set(phase_objects(bucket)) == set(remaining) - carries
    manifest, _ = published_manifest(bucket)
    assert {a["path"] for a in manifest["artifacts"]} == set(remaining) - carries
    assert manifest["sequence"] == 3


def retracted(campaign, brief_id: str):
    """``campaign`` with one brief set back to draft."""
    return campaign.model_copy(update={"briefs": [
        b.model_copy(update={"approval": b.approval.model_copy(update={"status": "draft"})}) if b.id == brief_id
        else b for b in campaign.briefs]})


def test_rollback_is_refused_by_verify_and_pull_and_healed_by_the_next_publish(bucket, keys, example_campaign,
                                                                             tmp_path):
    private, public = keys
    out = tmp_path / "out"
    target, phase_url = f"s3://{bucket}", f"s3://{bucket}/{CAMPAIGN}/dot-1"
    v1_files = {a["path"]: (out / CAMPAIGN / a["path"]).read_bytes() for a in built_phase(out, example_campaign)}
    [first] = publish(example_campaign, ["dot-1"], out, target, private, feeds=False)
    _, v1 = published_manifest(bucket)
    assert first.sequence == 1 and verify(phase_url, load_public(public)).sequence == 1
    recv = tmp_path / "xa"
    assert pull(phase_url, "phuoc-binh", recv, public).sequence == 1

    # v2: a brief every bulletin carries is set back to draft: the bulletins are retracted.
    campaign = retracted(example_campaign, FEELINGS)
    [second] = publish(campaign, ["dot-1"], out, target, private, feeds=False, allow_delete=True)
    manifest2, v2 = published_manifest(bucket)
    assert second.sequence == 2 and len(second.removed) == 3
    assert manifest2["sequence"] == 2 and manifest2["previous"] == digest(v1) and manifest2["valid_until"]
    assert verify(phase_url, load_public(public)).ok
    assert pull(phase_url, "phuoc-binh", recv).files == ["dot-1/pano/bac-ai/dot1-thi-dua--pano-4000x2000.pdf"]
    held = {p: sha256_file(p) for p in recv.rglob("*") if p.is_file()}

    # Anyone with write access puts v1 and its files back: its signature is genuine.
    client = s3_client()
    for path, data in v1_files.items():
        client.put_object(Bucket=bucket, Key=f"{CAMPAIGN}/{path}", Body=data,
                          Metadata={"sha256": hashlib.sha256(data).hexdigest()})
    client.put_object(Bucket=bucket, Key=f"{CAMPAIGN}/dot-1/manifest.json", Body=v1)
    report = verify(phase_url, load_public(public))
    assert not report.ok and report.signature_error is None and not (report.altered or report.added)
    assert "bản số 1, cũ hơn bản số 2" in report.sequence_error
    result = runner.invoke(app, ["verify", phase_url, "--key", str(public)])
    assert result.exit_code == 1 and "BẢN CŨ" in result.output and "cũ hơn bản số 2" in result.output
    with pytest.raises(PublishError, match="bản số 1, cũ hơn bản số 2"):
        pull(phase_url, "phuoc-binh", recv)
    assert {p: sha256_file(p) for p in recv.rglob("*") if p.is_file()} == held  # nothing written
    assert (recv / "dot-1/manifest.json").read_bytes() == v2  # the folder still holds v2
    assert verify(str(recv / "dot-1"), load_public(public), unit="phuoc-binh").ok

    # The next publish from the province continues after v2, says what it found, deletes v1's bulletins.
    [third] = publish(campaign, ["dot-1"], out, target, private, feeds=False, allow_delete=True)
    assert third.sequence == 3 and "bản số 1, cũ hơn bản số 2" in third.warnings[0]
    assert sorted(third.removed) == sorted(second.removed)
    manifest3, _ = published_manifest(bucket)
    assert manifest3["previous"] == digest(v2)
    assert verify(phase_url, load_public(public)).ok
    assert pull(phase_url, "phuoc-binh", recv).sequence == 3


@pytest.mark.parametrize("where", ["local", "s3"])
def test_file_changed_after_build_never_replaces_the_published_copy(where, keys, example_path, example_campaign,
                                                                     tmp_path, request):
    private, public = keys
    out = tmp_path / "out"
    target = str(tmp_path / "pub") if where == "local" else f"s3://{request.getfixturevalue('bucket')}"
    built = built_phase(out, example_campaign)
    assert cli_publish(example_path, out, target, private, "--local-feeds").exit_code == 0
    store = open_storage(f"{target}/{CAMPAIGN}")
    good = {a["path"]: store.sha256(a["path"]) for a in built}
    # A rebuild changes two files (and the manifest says so); then one of them changes again behind it.
    root = out / CAMPAIGN
    changed = [a for a in built if a["unit"] in ("phuoc-binh", "phuoc-hoa")]
    for art in changed:
        (root / art["path"]).write_bytes(b"ban moi " * 100)
        art["sha256"], art["bytes"] = sha256_file(root / art["path"]), (root / art["path"]).stat().st_size
    write_manifest(root, CAMPAIGN, "dot-1", built)
    (root / changed[0]["path"]).write_bytes(b"sua sau khi build " * 100)
    result = cli_publish(example_path, out, target, private, "--local-feeds")
    assert result.exit_code == 1 and "nội dung đã đổi sau khi build" in result.output
    assert {path: store.sha256(path) for path in good} == good  # neither file was replaced
    assert verify(f"{target}/{CAMPAIGN}/dot-1", load_public(public)).ok
    if where == "local":
        assert not [p for p in (tmp_path / "pub").rglob("*.part*")]
    # The storage itself refuses too, when the source changes between the check and the copy.
    with pytest.raises(StorageError, match="không khớp mã băm"):
        store.put_file(changed[0]["path"], root / changed[0]["path"], "audio/mpeg", changed[0]["sha256"])
    assert store.sha256(changed[0]["path"]) == good[changed[0]["path"]]


def test_interrupted_publish_is_not_yet_published_not_added(keys, example_path, example_campaign, tmp_path):
    private, public = keys
    out, target = tmp_path / "out", str(tmp_path / "pub")
    built_phase(out, example_campaign, units=["phuoc-binh"])
    publish(example_campaign, ["dot-1"], out, target, private, feeds=False)
    communes = ["phuoc-binh", "phuoc-hoa", "phuoc-tan", "phuoc-tien", "do-vinh"]
    built_phase(out, example_campaign, units=communes)
    sent = []

    def cut(path):
        sent.append(path)
        if len(sent) == 2:
            raise KeyboardInterrupt  # the publisher's machine goes down

    with pytest.raises(KeyboardInterrupt):
        publish(example_campaign, ["dot-1"], out, target, private, feeds=False, workers=1, on_upload=cut)
    phase_url = f"{target}/{CAMPAIGN}/dot-1"
    report = verify(phase_url, load_public(public))
    assert report.ok and report.added == [] and report.unpublished == sorted(sent)
    result = runner.invoke(app, ["verify", phase_url, "--key", str(public)])
    assert result.exit_code == 0 and "THÊM VÀO" not in result.output and "ĐẠT" in result.output
    assert "CHƯA XUẤT BẢN (đã tải lên, chưa có trong manifest đã ký" in result.output and sent[0] in result.output

    # Objects nobody signed for stay "added", and so does a pending upload whose bytes were replaced.
    pub = tmp_path / "pub" / CAMPAIGN
    (pub / "dot-1/truyen-thanh-co-so/phuoc-tan/la.mp3").write_bytes(b"ai do them vao")
    (pub / sent[1]).write_bytes(b"bi thay")
    report = verify(phase_url, load_public(public))
    assert report.unpublished == sorted(set(sent) - {sent[1]})  # (the upload under way when cut finished too)
    assert report.added == sorted([sent[1], "dot-1/truyen-thanh-co-so/phuoc-tan/la.mp3"]) and not report.ok

    (pub / "dot-1/truyen-thanh-co-so/phuoc-tan/la.mp3").unlink()
    [again] = publish(example_campaign, ["dot-1"], out, target, private, feeds=False)
    assert again.sequence == 2 and not (pub / "dot-1/dang-xuat-ban.json").exists()
    report = verify(phase_url, load_public(public))
    assert report.ok and report.unpublished == [] and report.checked == len(communes) + 2


def test_removed_brief_and_narrowed_formats_are_retractions_a_lost_job_is_not(keys, example_campaign, tmp_path):
    private, public = keys
    out, target = tmp_path / "out", f"memory://{uuid.uuid4().hex}"
    first = planned_build(out, example_campaign)
    [v1] = publish(example_campaign, ["dot-1"], out, target, private, feeds=False)
    assert len(v1.uploaded) == 102 and v1.removed == [] and v1.sequence == 1
    # The brief is removed from the campaign (bulletins, rebuilt, carry the other two); another loses a
    # format; the deck's render fails this time.
    campaign = example_campaign.model_copy(update={"briefs": [
        b.model_copy(update={"formats": [f for f in b.formats if f != "infographic-1080x1920"]})
        if b.id == "dot1-y-nghia-thanh-tuu" else b for b in example_campaign.briefs if b.id != FEELINGS]})
    planned_build(out, campaign, version="2", leave_out=lambda job: job.format == "deck-16x9")
    gone = sorted(a["path"] for a in first if a["brief"] == FEELINGS or a["job"].endswith(
        "dot1-y-nghia-thanh-tuu--infographic-1080x1920"))
    deck = [a["path"] for a in first if a["format"] == "deck-16x9"]
    [dry] = publish(campaign, ["dot-1"], out, target, private, feeds=False, dry_run=True)
    assert dry.removed == gone and dry.kept == deck and dry.sequence == 2
    [v2] = publish(campaign, ["dot-1"], out, target, private, feeds=False)
    assert v2.removed == gone and v2.kept == deck and v2.sequence == 2
    store = open_storage(f"{target}/{CAMPAIGN}")
    assert all(store.info(path) is None for path in gone)
    deck_entry = next(a for a in json.loads(store.get_bytes("dot-1/manifest.json"))["artifacts"]
                      if a["path"] == deck[0])
    assert deck_entry["sha256"] == next(a["sha256"] for a in first if a["path"] == deck[0])  # the last good one
    assert verify(f"{target}/{CAMPAIGN}/dot-1", load_public(public)).ok


def test_a_newer_manifest_from_elsewhere_is_not_replaced(keys, example_campaign, tmp_path):
    private, public = keys
    out, target = tmp_path / "out", f"memory://{uuid.uuid4().hex}"
    built_phase(out, example_campaign)
    publish(example_campaign, ["dot-1"], out, target, private, feeds=False)
    # Another machine, with the key and its own build folder, publishes an urgent change.
    other = tmp_path / "other"
    shutil.copytree(out, other)
    (other / CAMPAIGN / "publish-log.jsonl").unlink()
    bulletin = other / CAMPAIGN / "dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3"
    bulletin.write_bytes(b"ban tin khan " * 80)
    entries = json.loads((other / CAMPAIGN / "dot-1/manifest.json").read_text())["artifacts"]
    for art in entries:
        if art["unit"] == "phuoc-binh":
            art["sha256"], art["bytes"] = sha256_file(bulletin), bulletin.stat().st_size
    write_manifest(other / CAMPAIGN, CAMPAIGN, "dot-1", entries)
    [urgent] = publish(example_campaign, ["dot-1"], other, target, private, feeds=False)
    assert urgent.sequence == 2
    # The 06:00 run from the first folder knows only its own bản số 1: it refuses to overwrite.
    with pytest.raises(PublishError, match="bản số 2 .*không phải bản số 1.*--replace-newer"):
        publish(example_campaign, ["dot-1"], out, target, private, feeds=False)
    store = open_storage(f"{target}/{CAMPAIGN}")
    assert store.sha256("dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3") == sha256_file(bulletin)
    [forced] = publish(example_campaign, ["dot-1"], out, target, private, feeds=False, replace_newer=True)
    assert forced.sequence == 3 and forced.uploaded == ["dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3"]


def test_a_stale_manifest_is_warned_about(keys, example_campaign, tmp_path):
    private, public = keys
    out, target = tmp_path / "out", str(tmp_path / "pub")
    built_phase(out, example_campaign)
    publish(example_campaign, ["dot-1"], out, target, private, feeds=False, valid_days=7)
    path = tmp_path / "pub" / CAMPAIGN / "dot-1/manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest["valid_until"][:10] > manifest["published_at"][:10]
    # A mirror still serving a copy signed long ago: genuine, newer than anything seen, but past its date.
    old = {**manifest, "sequence": 2, "previous": digest(path.read_bytes()), "valid_until": "2026-01-01T00:00:00+00:00"}
    path.write_bytes(signing.dumps(signing.sign(old, load_private(private))))
    report = verify(f"{target}/{CAMPAIGN}/dot-1", load_public(public))
    assert report.ok and "hết hiệu lực từ" in report.warnings[0] and "bản số 2" in report.warnings[0]
    result = runner.invoke(app, ["verify", f"{target}/{CAMPAIGN}/dot-1", "--key", str(public)])
    assert result.exit_code == 0 and "CẢNH BÁO" in result.output and "hết hiệu lực" in result.output
    got = pull(f"{target}/{CAMPAIGN}/dot-1", "phuoc-binh", tmp_path / "xa", public)
    assert got.sequence == 2 and "hết hiệu lực" in got.warnings[0]
    # The publisher re-signs an unchanged manifest once half its validity has gone (that copy was
    # signed outside this build folder, hence replace_newer).
    [again] = publish(example_campaign, ["dot-1"], out, target, private, feeds=False, valid_days=7,
                      replace_newer=True)
    assert again.sequence == 3 and json.loads(path.read_text())["valid_until"] > "2026-01-02"
    [same] = publish(example_campaign, ["dot-1"], out, target, private, feeds=False, valid_days=7)
    assert same.sequence == 3 and same.manifest_sha256 == again.manifest_sha256


def test_a_publish_running_at_the_same_time_is_not_overwritten(keys, example_campaign, tmp_path):
    private, public = keys
    out, target = tmp_path / "out", f"memory://{uuid.uuid4().hex}"
    built_phase(out, example_campaign, units=["phuoc-binh"])
    publish(example_campaign, ["dot-1"], out, target, private, feeds=False)
    store = open_storage(f"{target}/{CAMPAIGN}")
    built_phase(out, example_campaign, units=["phuoc-binh", "phuoc-hoa"])
    theirs = signing.dumps(signing.sign({**json.loads(store.get_bytes("dot-1/manifest.json")), "sequence": 2},
                                        load_private(private)))

    def elsewhere(path):  # while this publish uploads, another one lands its manifest
        store.put_bytes("dot-1/manifest.json", theirs, "application/json")

    with pytest.raises(PublishError, match="vừa thay đổi trong lúc xuất bản"):
        publish(example_campaign, ["dot-1"], out, target, private, feeds=False, on_upload=elsewhere)
    assert store.get_bytes("dot-1/manifest.json") == theirs
