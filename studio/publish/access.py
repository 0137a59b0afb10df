"""Read-only access per unit: SeaweedFS identities, an S3 bucket policy, presigned links.

A unit's key reads what the portal shows its operator and what ``studio pull``
fetches: in each phase, the folders of its audience (``UnitTree.audience`` on the
phase's start date, via ``phase_audiences``), plus each phase's signed manifest
(needed to verify) and its own page folder (its page and podcast list its
audience's files). SeaweedFS matches ``Action:bucket/prefix*`` grants, one per
``<campaign>/<phase>/<channel>/<unit>/`` folder; AWS policies, which are size-capped,
take the same grants as wildcard ARNs (``arn_patterns``).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..artifacts import atomic_write_text
from ..campaign import Campaign
from . import MANIFEST_KEY, PENDING_KEY, PublishError, write_secret
from .feeds import UNIT_DIR, feed_path

PUBLISHER = "studio-tinh"


def phase_audiences(campaign: Campaign, unit_id: str) -> dict[str, frozenset[str]]:
    """Per phase id, the units whose files ``unit_id``'s operator receives: ``UnitTree.audience``
    on the phase's start date, the date its jobs were routed on (the portal uses this too)."""
    tree = campaign.unit_tree()
    return {p.id: tree.audience(unit_id, p.start) for p in campaign.all_phases()}


def _base(prefix: str) -> str:
    return f"{prefix.strip('/')}/" if prefix.strip("/") else ""


def grants(campaign: Campaign, unit_id: str, prefix: str = "") -> list[str]:
    """Key prefixes (relative to the bucket) a unit may read: per phase its manifest (and the signed
    record of a publish under way, so ``verify`` can name its uploads) and the folder of each channel its
    audience receives (the channels routed to those units on the phase's start)."""
    tree = campaign.unit_tree()
    base = f"{_base(prefix)}{campaign.id}"
    out = []
    for phase in campaign.all_phases():
        scope = tree.audience(unit_id, phase.start)
        out += [f"{base}/{phase.id}/{MANIFEST_KEY}", f"{base}/{phase.id}/{PENDING_KEY}"]
        for channel in campaign.channels:
            receivers = {u.id for u in tree.at_level(channel.unit_level, phase.start)}
            out += [f"{base}/{phase.id}/{channel.id}/{u}/" for u in sorted(scope & receivers)]
    return out + [f"{base}/{UNIT_DIR}/{unit_id}/"]


def access_units(campaign: Campaign, levels: tuple[str, ...] = ("district", "commune")) -> list[str]:
    return [u.id for u in campaign.units if u.level in levels]


def _credentials(existing: dict[str, dict], name: str) -> dict:
    """Keep a unit's keys across runs (adding a unit must not rotate everyone's)."""
    if name in existing:
        return existing[name]
    return {"accessKey": "STUDIO" + secrets.token_hex(8).upper(), "secretKey": secrets.token_urlsafe(30)}


def seaweed_identities(campaign: Campaign, bucket: str, prefix: str = "", units: list[str] | None = None,
                       existing: dict | None = None) -> dict[str, Any]:
    """A SeaweedFS ``-s3.config`` file: a publisher for the bucket and one read-only identity per unit."""
    known = {i["name"]: i["credentials"][0] for i in (existing or {}).get("identities", []) if i.get("credentials")}
    identities = [{"name": PUBLISHER, "credentials": [_credentials(known, PUBLISHER)],
                   "actions": [f"{a}:{bucket}" for a in ("Admin", "Read", "Write", "List", "Tagging")]}]
    for unit_id in units if units is not None else access_units(campaign):
        actions = []
        for grant in grants(campaign, unit_id, prefix):
            actions += [f"Read:{bucket}/{grant}*", f"List:{bucket}/{grant}*"]
        identities.append({"name": f"studio-{unit_id}", "credentials": [_credentials(known, f"studio-{unit_id}")],
                           "actions": actions})
    return {"identities": identities}


def arn_patterns(campaign: Campaign, unit_id: str, bucket: str, prefix: str = "") -> tuple[list[str], list[str]]:
    """(object ARNs, list prefixes) for a unit: its audience of each phase, in as few AWS patterns as
    stay exact, since policies are size-capped.

    AWS's ``*`` spans slashes: ``<campaign>/<phase>/*/<u>/*`` is u's folder in every channel of a
    phase, and ``<campaign>/*/<u>/*`` is u's folder in every phase plus its page folder. The short
    form is used only when it grants nothing more: u is in the audience whenever it gets files
    (the phases it exists in), and everything its page lists is in the audience too.
    """
    tree = campaign.unit_tree()
    base = f"{_base(prefix)}{campaign.id}"
    starts = {p.id: p.start for p in campaign.all_phases()}
    mine = phase_audiences(campaign, unit_id)

    def whole(u: str) -> bool:
        return all((u in mine[p] or not tree[u].active_on(day)) and tree.audience(u, day) <= mine[p]
                   for p, day in starts.items())

    units = sorted({unit_id}.union(*mine.values()))
    patterns = [f"{base}/*/{u}/*" for u in units if whole(u)]
    patterns += [f"{base}/{p}/*/{u}/*" for p, scope in mine.items() for u in sorted(scope) if not whole(u)]
    if not whole(unit_id):
        patterns.append(f"{base}/{UNIT_DIR}/{unit_id}/*")
    objects = [f"arn:aws:s3:::{bucket}/{base}/*/{name}" for name in (MANIFEST_KEY, PENDING_KEY)]
    return objects + [f"arn:aws:s3:::{bucket}/{p}" for p in patterns], patterns


def read_statements(campaign: Campaign, unit_id: str, bucket: str, prefix: str = "",
                    principal: str | None = None) -> list[dict[str, Any]]:
    objects, prefixes = arn_patterns(campaign, unit_id, bucket, prefix)
    who = {"Principal": {"AWS": principal}} if principal else {}
    sid = "".join(p.capitalize() for p in unit_id.split("-"))
    return [{"Sid": f"Doc{sid}", "Effect": "Allow", **who, "Action": ["s3:GetObject"], "Resource": objects},
            {"Sid": f"Liet{sid}", "Effect": "Allow", **who, "Action": ["s3:ListBucket"],
             "Resource": f"arn:aws:s3:::{bucket}", "Condition": {"StringLike": {"s3:prefix": prefixes}}}]


def bucket_policy(campaign: Campaign, bucket: str, prefix: str = "", account: str = "123456789012",
                  units: list[str] | None = None) -> dict[str, Any]:
    """An AWS bucket policy: each district's IAM user reads (and lists) only its and its communes' files.

    AWS caps bucket policies at 20 KB, so it covers districts; every unit also gets
    an identity policy (``iam-policies/``) to attach to its IAM user.
    """
    statements: list[dict[str, Any]] = []
    principals = []
    for unit_id in units if units is not None else access_units(campaign, ("district",)):
        principal = f"arn:aws:iam::{account}:user/studio-{unit_id}"
        principals.append(principal)
        statements += read_statements(campaign, unit_id, bucket, prefix, principal)
    if principals:
        statements.append({"Sid": "ChiDoc", "Effect": "Deny", "Principal": {"AWS": principals},
                           "Action": ["s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl"],
                           "Resource": f"arn:aws:s3:::{bucket}/*"})
    return {"Version": "2012-10-17", "Statement": statements}


def identity_policy(campaign: Campaign, unit_id: str, bucket: str, prefix: str = "") -> dict[str, Any]:
    """An IAM policy to attach to one unit's user (no Principal: it is the user's own)."""
    return {"Version": "2012-10-17", "Statement": read_statements(campaign, unit_id, bucket, prefix)}


def write_access(campaign: Campaign, out: Path, bucket: str, prefix: str = "", endpoint: str | None = None,
                 account: str = "123456789012", levels: tuple[str, ...] = ("district", "commune")) -> list[Path]:
    """Write s3-identities.json (0600), bucket-policy.json, iam-policies/ and credentials/<unit>.env (0600)."""
    out = Path(out)
    units = access_units(campaign, levels)
    identities_path = out / "s3-identities.json"
    existing = json.loads(identities_path.read_text(encoding="utf-8")) if identities_path.is_file() else None
    identities = seaweed_identities(campaign, bucket, prefix, units, existing)
    write_secret(identities_path, (json.dumps(identities, ensure_ascii=False, indent=1) + "\n").encode())
    policy_path = out / "bucket-policy.json"
    atomic_write_text(policy_path, json.dumps(bucket_policy(campaign, bucket, prefix, account),
                                              ensure_ascii=False, indent=1) + "\n")
    written = [identities_path, policy_path]
    for unit_id in units:
        path = out / "iam-policies" / f"studio-{unit_id}.json"
        atomic_write_text(path, json.dumps(identity_policy(campaign, unit_id, bucket, prefix), indent=1) + "\n")
    written.append(out / "iam-policies")
    base = f"s3://{bucket}/{prefix.strip('/')}/" if prefix.strip("/") else f"s3://{bucket}/"
    for identity in identities["identities"]:
        cred = identity["credentials"][0]
        lines = [f"# Khóa truy cập {'xuất bản' if identity['name'] == PUBLISHER else 'chỉ đọc'}: {identity['name']}",
                 f"AWS_ACCESS_KEY_ID={cred['accessKey']}", f"AWS_SECRET_ACCESS_KEY={cred['secretKey']}"]
        if endpoint:
            lines.append(f"AWS_ENDPOINT_URL={endpoint}")
        if identity["name"] != PUBLISHER:
            unit = identity["name"].removeprefix("studio-")
            lines.append(f"# Tải tệp của đơn vị: studio pull --unit {unit} --from {base}{campaign.id}/<giai-đoạn> "
                         f"--key province.pub THƯ-MỤC")
        path = out / "credentials" / f"{identity['name']}.env"
        write_secret(path, ("\n".join(lines) + "\n").encode())
        written.append(path)
    return written


def presigned_links(storage, manifest: dict, expires: int, units: list[str] | None = None) -> dict[str, Any]:
    """Per unit: a time-limited GET link for each of its files, for the signed manifest and (``feeds``) for
    its podcast feed, whose enclosures ``publish --presign`` signs afresh at each publish."""
    until = (datetime.now(timezone.utc) + timedelta(seconds=expires)).isoformat(timespec="seconds")
    phase = manifest["phase"]
    out: dict[str, Any] = {"phase": phase, "expires_at": until,
                           "manifest": storage.presign(f"{phase}/{MANIFEST_KEY}", expires), "units": {}}
    if out["manifest"] is None:
        raise PublishError(f"{storage.url}: kho này không tạo được liên kết có hạn — dùng kho s3://")
    for art in manifest["artifacts"]:
        if units is not None and art["unit"] not in units:
            continue
        out["units"].setdefault(art["unit"], []).append(
            {"path": art["path"], "sha256": art["sha256"], "url": storage.presign(art["path"], expires)})
    feeds = {unit: feed_path(unit) for unit in sorted(out["units"])}
    out["feeds"] = {unit: storage.presign(key, expires) for unit, key in feeds.items() if storage.info(key)}
    return out
