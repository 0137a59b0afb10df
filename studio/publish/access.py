"""Read-only access per unit: SeaweedFS identities, an S3 bucket policy, presigned links.

The storage layout puts the unit deep in the key (``<campaign>/<phase>/<channel>/<unit>/``),
so a unit's grant is the list of those prefixes for every phase and unit-level channel,
for the unit itself, the units below it and the units that replaced them, plus each
phase's signed manifest (needed to verify) and the unit's page folder. SeaweedFS
matches ``Action:bucket/prefix*`` grants; AWS policies take the same prefixes as ARNs.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..artifacts import atomic_write_text
from ..campaign import Campaign
from ..units import UnitTree
from . import MANIFEST_KEY, write_secret
from .feeds import UNIT_DIR

PUBLISHER = "studio-tinh"


def unit_scope(tree: UnitTree, unit_id: str) -> list[str]:
    """The unit, every unit below it, and every unit any of them was merged into (transitively)."""
    found: list[str] = []
    todo = [unit_id] + [u.id for u in tree if u.parent == unit_id]
    while todo:
        uid = todo.pop(0)
        if uid in found:
            continue
        found.append(uid)
        todo += list(tree[uid].successors)
    return found


def grants(campaign: Campaign, unit_id: str, prefix: str = "") -> list[str]:
    """Key prefixes (relative to the bucket) a unit may read."""
    tree = campaign.unit_tree()
    scope = unit_scope(tree, unit_id)
    base = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    channels = [c.id for c in campaign.channels if c.unit_level != "province"]
    out = []
    for phase in campaign.all_phases():
        out.append(f"{base}{campaign.id}/{phase.id}/{MANIFEST_KEY}")
        out += [f"{base}{campaign.id}/{phase.id}/{c}/{u}/" for c in channels for u in scope]
    out += [f"{base}{campaign.id}/{UNIT_DIR}/{u}/" for u in scope]
    return out


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
    """(object ARNs, list prefixes) for a unit, using AWS wildcards so policies stay small."""
    base = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    scope = unit_scope(campaign.unit_tree(), unit_id)
    objects = [f"arn:aws:s3:::{bucket}/{base}{campaign.id}/*/{MANIFEST_KEY}"]
    # AWS's `*` spans slashes: `<campaign>/*/<unit>/*` is the unit's folder in every phase and
    # channel, and its page folder `<campaign>/don-vi/<unit>/` too — one pattern per unit.
    patterns = [f"{base}{campaign.id}/*/{u}/*" for u in scope]
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
    """Per unit: a time-limited GET link for each of its files and for the signed manifest."""
    until = (datetime.now(timezone.utc) + timedelta(seconds=expires)).isoformat(timespec="seconds")
    phase = manifest["phase"]
    out: dict[str, Any] = {"phase": phase, "expires_at": until,
                           "manifest": storage.presign(f"{phase}/{MANIFEST_KEY}", expires), "units": {}}
    for art in manifest["artifacts"]:
        if units is not None and art["unit"] not in units:
            continue
        out["units"].setdefault(art["unit"], []).append(
            {"path": art["path"], "sha256": art["sha256"], "url": storage.presign(art["path"], expires)})
    return out
