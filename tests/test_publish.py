"""Publish → verify → pull against the real SeaweedFS, with the example campaign's units."""

from __future__ import annotations

import json
import subprocess

import pytest
from s3fixtures import *  # noqa: F401,F403  (fixtures)
from s3fixtures import built_phase, s3_client
from typer.testing import CliRunner

from studio.cli import app
from studio.publish import PublishError
from studio.publish.publish import publish
from studio.publish.pull import pull, staging_dir
from studio.publish.signing import SignatureError, init_keys, load_private, load_public
from studio.publish.verify import verify

runner = CliRunner()
CAMPAIGN = "ninh-thuan-2025"


def approved(campaign):
    """The example campaign with every brief approved (dot-3's is a draft in the example)."""
    return campaign.model_copy(update={"briefs": [
        b.model_copy(update={"approval": b.approval.model_copy(update={"status": "approved"})})
        for b in campaign.briefs]})


def test_publish_pull_one_commune_verified(bucket, keys, example_campaign, tmp_path):
    private, public = keys
    out = tmp_path / "out"
    built = built_phase(out, example_campaign)
    target = f"s3://{bucket}/xuat-ban"
    [report] = publish(example_campaign, ["dot-1"], out, target, private)
    assert len(report.uploaded) == 5 and report.skipped == 0 and not report.held_back

    phase_url = f"{target}/{CAMPAIGN}/dot-1"
    check = verify(phase_url, load_public(public))
    assert check.ok and check.checked == 5

    recv = tmp_path / "xa"
    got = pull(phase_url, "phuoc-binh", recv, public)
    pano = "dot-1/pano/bac-ai/dot1-thi-dua--pano-4000x2000.pdf"  # its district's, which the commune puts up
    assert got.files == [pano, "dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3"] and got.downloaded == 2
    files = sorted(str(p.relative_to(recv)) for p in recv.rglob("*") if p.is_file())
    assert files == [".studio/province.pub", ".studio/sequences.json", "dot-1/manifest.json", pano,
                     "dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3"]
    wanted = next(a for a in built if a["unit"] == "phuoc-binh")
    assert (recv / wanted["path"]).read_bytes() == (out / CAMPAIGN / wanted["path"]).read_bytes()
    assert not staging_dir(recv).exists()
    assert verify(str(recv / "dot-1"), load_public(public), unit="phuoc-binh").ok
    again = pull(phase_url, "phuoc-binh", recv)  # the key was remembered
    assert again.downloaded == 0 and again.already == 2

    # Re-publishing uploads nothing; the manifest is replaced, the log grows by one entry.
    [second] = publish(example_campaign, ["dot-1"], out, target, private)
    assert second.uploaded == [] and second.skipped == 5
    assert second.manifest_sha256 == report.manifest_sha256  # same content: the signed manifest is kept as is
    log = (out / CAMPAIGN / "publish-log.jsonl").read_text().splitlines()
    assert len(log) == 2 and json.loads(log[0])["uploaded"] and json.loads(log[1])["skipped"] == 5
    listed = s3_client().list_objects_v2(Bucket=bucket, Prefix=f"xuat-ban/{CAMPAIGN}/nhat-ky/")["Contents"]
    keys_ = [o["Key"] for o in listed]
    assert len(keys_) == 2

    # Unit pages: an index per unit, a podcast feed per commune with its bulletin as enclosure.
    client = s3_client()
    feed = client.get_object(Bucket=bucket, Key=f"xuat-ban/{CAMPAIGN}/don-vi/phuoc-binh/podcast.xml")["Body"].read()
    assert b"<enclosure" in feed and f'length="{wanted["bytes"]}"'.encode() in feed and "xã Phước Bình".encode() in feed
    index_key = f"xuat-ban/{CAMPAIGN}/don-vi/bac-ai/index.html"
    index = client.get_object(Bucket=bucket, Key=index_key)["Body"].read().decode()
    assert "dot1-thi-dua--pano-4000x2000.pdf" in index and 'lang="vi"' in index


def test_feed_has_duration_and_priority(tmp_path, keys, example_campaign):
    import imageio_ffmpeg

    private, public = keys
    campaign = example_campaign.model_copy(update={"briefs": [
        b.model_copy(update={"priority": "emergency"}) if b.id == "dot1-thi-dua" else b
        for b in example_campaign.briefs]})
    out = tmp_path / "out"
    built_phase(out, campaign, units=["phuoc-binh"])
    mp3 = out / CAMPAIGN / "dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=3", "-b:a", "32k", str(mp3)], check=True)
    manifest_path = out / CAMPAIGN / "dot-1/manifest.json"
    manifest = json.loads(manifest_path.read_text())
    from studio.artifacts import sha256_file

    for art in manifest["artifacts"]:
        path = out / CAMPAIGN / art["path"]
        art["sha256"], art["bytes"] = sha256_file(path), path.stat().st_size
    manifest_path.write_text(json.dumps(manifest))
    publish(campaign, ["dot-1"], out, str(tmp_path / "pub"), private, base_url="https://tinh.example/kho")
    feed = (tmp_path / "pub" / CAMPAIGN / "don-vi/phuoc-binh/podcast.xml").read_text()
    assert "<itunes:duration>00:00:03</itunes:duration>" in feed
    assert "[KHẨN CẤP]" in feed and "khẩn cấp" in feed
    assert 'url="https://tinh.example/kho/dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3"' in feed
    index = (tmp_path / "pub" / CAMPAIGN / "don-vi/phuoc-binh/index.html").read_text()
    assert "<h2>Hướng tới Đại hội (01/01 – 31/07/2025)</h2>" in index  # public name; one year written once
    assert "Đợt 1" not in index  # the plan's internal name is never published


def test_successor_routing_after_reorganisation(tmp_path, keys, example_campaign):
    """An operator of a commune merged in July 2025 gets what the new commune receives."""
    private, public = keys
    campaign = approved(example_campaign)
    out = tmp_path / "out"
    built_phase(out, campaign, phase="dot-3", units=["bac-ai-tay-2025", "do-vinh-2025"])
    publish(campaign, ["dot-3"], out, str(tmp_path / "pub"), private, local_feeds=True)
    got = pull(str(tmp_path / "pub" / CAMPAIGN / "dot-3"), "phuoc-binh", tmp_path / "recv", public)
    assert got.files == ["dot-3/truyen-thanh-co-so/bac-ai-tay-2025/bulletin.mp3"]


def test_drafts_are_held_back_or_go_to_their_own_prefix(tmp_path, keys, example_campaign):
    private, public = keys
    out = tmp_path / "out"
    built_phase(out, example_campaign, phase="dot-3")  # dot-3's only brief is still a draft
    pub = tmp_path / "pub"
    [report] = publish(example_campaign, ["dot-3"], out, str(pub), private, local_feeds=True)
    assert report.artifacts == 0 and len(report.held_back) == 5
    assert not list((pub / CAMPAIGN / "dot-3").rglob("*.mp3"))
    reports = publish(example_campaign, ["dot-3"], out, str(pub), private, include_drafts=True, local_feeds=True)
    assert [r.status for r in reports] == ["approved", "draft"]
    assert len(list((pub / "drafts" / CAMPAIGN / "dot-3").rglob("*.mp3"))) == 3
    assert json.loads((pub / "drafts" / CAMPAIGN / "dot-3/manifest.json").read_text())["status"] == "draft"
    with pytest.raises(PublishError, match="bản nháp"):
        pull(str(pub / "drafts" / CAMPAIGN / "dot-3"), "phuoc-binh", tmp_path / "recv", public)


def test_tampering_is_detected_by_verify_and_pull(bucket, keys, example_campaign, tmp_path):
    private, public = keys
    out = tmp_path / "out"
    built_phase(out, example_campaign)
    target = f"s3://{bucket}"
    publish(example_campaign, ["dot-1"], out, target, private, feeds=False)
    phase_url = f"{target}/{CAMPAIGN}/dot-1"
    client = s3_client()
    victim = f"{CAMPAIGN}/dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3"
    # An attacker with write access replaces a bulletin (with matching metadata), adds and removes files.
    import hashlib

    fake = b"noi dung xau"
    client.put_object(Bucket=bucket, Key=victim, Body=fake, Metadata={"sha256": hashlib.sha256(fake).hexdigest()})
    client.put_object(Bucket=bucket, Key=f"{CAMPAIGN}/dot-1/truyen-thanh-co-so/phuoc-hoa/them.mp3", Body=b"x")
    client.delete_object(Bucket=bucket, Key=f"{CAMPAIGN}/dot-1/truyen-thanh-co-so/do-vinh/bulletin.mp3")
    report = verify(phase_url, load_public(public))
    assert not report.ok and report.signature_error is None
    assert report.altered == ["dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3"]
    assert report.added == ["dot-1/truyen-thanh-co-so/phuoc-hoa/them.mp3"]
    assert report.removed == ["dot-1/truyen-thanh-co-so/do-vinh/bulletin.mp3"]

    recv = tmp_path / "recv"
    with pytest.raises(PublishError, match="phuoc-binh/bulletin.mp3: nội dung không khớp"):
        pull(phase_url, "phuoc-binh", recv, public)
    assert not [p for p in recv.rglob("*") if p.is_file() and ".studio" not in p.parts]

    # Now the manifest itself: point the bulletin at the fake bytes.
    key = f"{CAMPAIGN}/dot-1/manifest.json"
    manifest = json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    for art in manifest["artifacts"]:
        if art["unit"] == "phuoc-binh":
            art["sha256"], art["bytes"] = hashlib.sha256(fake).hexdigest(), len(fake)
    client.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest).encode())
    report = verify(phase_url, load_public(public))
    assert not report.ok and "chữ ký không hợp lệ" in report.signature_error
    with pytest.raises(PublishError, match="chữ ký không hợp lệ"):
        pull(phase_url, "phuoc-binh", recv, public)
    assert not (recv / "dot-1").exists()

    result = runner.invoke(app, ["verify", phase_url, "--key", str(public)])
    assert result.exit_code == 1 and "chữ ký không hợp lệ" in result.output
    assert "BỊ MẤT: dot-1/truyen-thanh-co-so/do-vinh/bulletin.mp3" in result.output


def test_pull_resumes_and_never_leaves_unverified_files(tmp_path, keys, example_campaign):
    private, public = keys
    out = tmp_path / "out"
    units = ["phuoc-binh", "phuoc-hoa", "phuoc-tan", "phuoc-tien"]
    built_phase(out, example_campaign, units=units)
    publish(example_campaign, ["dot-1"], out, str(tmp_path / "pub"), private, feeds=False)
    source = str(tmp_path / "pub" / CAMPAIGN / "dot-1")
    recv = tmp_path / "huyen"
    seen = []

    def cut(path):
        seen.append(path)
        if len(seen) == 2:
            raise KeyboardInterrupt  # the operator's connection drops

    with pytest.raises(KeyboardInterrupt):
        pull(source, "bac-ai", recv, public, workers=1, on_file=cut)
    assert not recv.exists() or not [p for p in recv.rglob("*") if p.is_file() and ".studio" not in p.parts]
    staged = len([p for p in staging_dir(recv).rglob("*") if p.is_file()])
    assert staged == 2  # one worker: the interrupt stops it before it starts a third file
    got = pull(source, "bac-ai", recv, public)
    assert got.already == staged and got.downloaded == 5 - staged and len(got.files) == 5  # pano + 4 communes
    assert not staging_dir(recv).exists()


def test_keys(tmp_path):
    private, public = init_keys(tmp_path / "k")
    assert private.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        init_keys(tmp_path / "k")
    other_private, other_public = init_keys(tmp_path / "other")
    from studio.publish import signing

    signed = signing.sign({"phase": "dot-1", "artifacts": []}, load_private(private))
    signing.verify(signing.loads(signing.dumps(signed)), load_public(public))
    with pytest.raises(SignatureError, match="khóa khác"):
        signing.verify(signed, load_public(other_public))
    with pytest.raises(SignatureError, match="trùng lặp"):
        signing.loads(b'{"phase": "dot-1", "phase": "dot-2"}')
    private.chmod(0o644)
    with pytest.raises(SignatureError, match="chmod 600"):
        load_private(private)


def test_cli_publish_errors_are_clear_without_traceback(bucket, monkeypatch, tmp_path, example_path, example_campaign):
    out = tmp_path / "out"
    built_phase(out, example_campaign)
    keys_dir = tmp_path / "keys"
    result = runner.invoke(app, ["keys", "init", "--dir", str(keys_dir)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sai")
    args = ["publish", str(example_path), "--phase", "dot-1", "--out", str(out), "--to", f"s3://{bucket}",
            "--key", str(keys_dir / "province.key")]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "sai thông tin đăng nhập" in result.output and "Traceback" not in result.output
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "studio-test-admin-secret")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["pull", str(tmp_path / "recv"), "--unit", "khong-co", "--from",
                                 f"s3://{bucket}/{CAMPAIGN}/dot-1", "--key", str(keys_dir / "province.pub")])
    assert result.exit_code == 1 and "không có đơn vị 'khong-co'" in result.output
    result = runner.invoke(app, ["publish", str(example_path), "--phase", "dot-2-1", "--out", str(out),
                                 "--to", f"s3://{bucket}", "--key", str(keys_dir / "province.key")])
    assert result.exit_code == 1 and "chưa build giai đoạn dot-2-1" in result.output


def test_cli_access_writes_keys_policies_and_links(bucket, tmp_path, example_path, example_campaign, keys):
    import httpx

    private, public = keys
    out = tmp_path / "out"
    built_phase(out, example_campaign)
    publish(example_campaign, ["dot-1"], out, f"s3://{bucket}", private, feeds=False)
    target = tmp_path / "access"
    result = runner.invoke(app, ["access", str(example_path), "--bucket", bucket, "--out", str(target),
                                 "--links", f"s3://{bucket}/{CAMPAIGN}/dot-1", "--expires", "120"])
    assert result.exit_code == 0, result.output
    assert (target / "credentials" / "studio-bac-ai.env").stat().st_mode & 0o777 == 0o600
    assert json.loads((target / "iam-policies" / "studio-phuoc-binh.json").read_text())["Statement"]
    links = json.loads((target / "links-dot-1.json").read_text())
    [link] = links["units"]["phuoc-binh"]
    assert httpx.get(link["url"]).content == (out / CAMPAIGN / link["path"]).read_bytes()
    first = json.loads((target / "s3-identities.json").read_text())
    runner.invoke(app, ["access", str(example_path), "--bucket", bucket, "--out", str(target)])
    assert json.loads((target / "s3-identities.json").read_text()) == first  # keys are not rotated
