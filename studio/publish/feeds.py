"""Per-unit pages: ``don-vi/<unit>/index.html`` (every published file) and ``podcast.xml``.

Built from the signed manifests of every published phase of the campaign. A
unit's page and podcast carry its audience's files in each phase
(``UnitTree.audience`` from the manifest's units table, as ``studio pull``
fetches them and the portal shows them), so a commune subscribes once and its
podcast app picks up each new bulletin; audio items carry duration, size and the
loudspeaker priority (normal / priority / emergency); an emergency brief's immediate bulletin
comes first in both. Pages are conveniences: the signed manifest stays the authority.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time

from feedgen.feed import FeedGenerator
from jinja2 import Environment

from .. import vi
from ..campaign import Campaign
from ..formats import EMERGENCY, FORMATS
from . import MANIFEST_KEY, PRIORITY_NAMES, join_url, signing
from .verify import manifest_audience, routing_tree

UNIT_DIR = "don-vi"

_env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
INDEX = _env.from_string("""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ unit_name }} — {{ campaign_title }}</title>
<style>
body{font-family:"Be Vietnam Pro","Noto Sans",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1a1a1a}
h1{color:#c8102e;font-size:1.5rem} table{border-collapse:collapse;width:100%;margin-bottom:2rem}
th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top} code{font-size:.8rem;color:#5f5f5f}
.khan-cap{color:#c8102e;font-weight:bold}
</style>
</head>
<body>
<h1>{{ unit_name }}</h1>
<p>{{ campaign_title }} — {{ issuer }}</p>
{% if has_feed %}<p>Bản tin truyền thanh dạng podcast: <a href="podcast.xml">podcast.xml</a>
(thêm địa chỉ này vào ứng dụng podcast để nhận bản tin mới).</p>{% endif %}
<p>Mọi tệp đều được tỉnh ký số. Trước khi phát, tải và kiểm tra bằng lệnh:
<code>studio pull --unit {{ unit_id }} --from &lt;địa chỉ giai đoạn&gt; --key province.pub THƯ-MỤC</code></p>
{% for phase in phases %}
<h2>{{ phase.name }} ({{ phase.dates }})</h2>
<table>
<tr><th>Tệp</th><th>Nội dung</th><th>Mức ưu tiên</th><th>Dung lượng</th><th>SHA-256</th></tr>
{% for f in phase.files %}
<tr><td><a href="{{ f.href }}">{{ f.name }}</a></td><td>{{ f.title }}</td>
<td class="{{ 'khan-cap' if f.priority == 'emergency' else '' }}">{{ f.priority_name }}</td>
<td>{{ f.size }}</td><td><code>{{ f.sha }}</code></td></tr>
{% endfor %}
</table>
{% endfor %}
<p><small>Cập nhật: {{ updated }}</small></p>
</body>
</html>
""")


def is_alert(art: dict) -> bool:
    """An emergency brief's immediate bulletin: listed before everything else, on pages and in feeds."""
    return art.get("format") == EMERGENCY.id


def item_title(art: dict, manifest: dict) -> str:
    meta = art.get("meta") or {}
    title = "; ".join(art.get("titles") or []) or f"Bản tin {manifest['phase_name']}"
    if is_alert(art):
        title = f"Bản tin khẩn — {title}"
    elif FORMATS.get(art["format"]) and FORMATS[art["format"]].scope == "day":
        when = f"{vi.part_of_day(meta.get('slot'))} ngày" if meta.get("slot") else "ngày"
        title = f"{title} — {when} {vi.date(item_date(art, manifest))}"
    if art.get("priority", "normal") != "normal":
        title = f"[{vi.upper(PRIORITY_NAMES[art['priority']])}] {title}"
    return title


def item_date(art: dict, manifest: dict) -> datetime:
    """When the item is for, in Vietnam time: its day (a daily bulletin's, an emergency bulletin's
    first day) at its broadcast slot, else the phase's start, at 06:00."""
    meta = art.get("meta") or {}
    try:
        day = date.fromisoformat(meta.get("day") or manifest["phase_start"])
        hour, minute = map(int, (meta.get("slot") or "06:00").split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=vi.VIETNAM)
    except (TypeError, ValueError):
        return datetime.combine(date.fromisoformat(manifest["phase_start"]), time(6, 0), tzinfo=vi.VIETNAM)


def in_order(files: list[tuple[dict, dict]]) -> list[tuple[dict, dict]]:
    """Emergency bulletins first (newest first), then the rest by date."""
    return sorted(files, key=lambda ma: (not is_alert(ma[1]), -item_date(ma[1], ma[0]).timestamp() if is_alert(ma[1])
                                         else item_date(ma[1], ma[0]).timestamp(), ma[1]["path"]))


def last_published(manifests: list[dict]) -> datetime:
    return max(datetime.fromisoformat(m["published_at"]) for m in manifests)


def url_for(storage, base_url: str | None, path: str) -> str:
    return join_url(base_url, path) if base_url else storage.public_url(path)


def published_manifests(storage, campaign: Campaign, public_key) -> list[dict]:
    """The signed manifests of the campaign's phases already in storage, in plan order."""
    out = []
    for phase in campaign.all_phases():
        key = f"{phase.id}/{MANIFEST_KEY}"
        if storage.info(key) is None:
            continue
        manifest = signing.loads(storage.get_bytes(key), key)
        signing.verify(manifest, public_key, key)
        out.append(manifest)
    return out


def unit_files(manifests: list[dict], unit_id: str, trees: list | None = None) -> list[tuple[dict, dict]]:
    """(manifest, artifact) for every file of ``unit_id``'s audience, phase by phase (``trees``: the
    manifests' units tables already read, when asking for many units)."""
    out = []
    for manifest, tree in zip(manifests, trees or [routing_tree(m) for m in manifests]):
        scope = manifest_audience(manifest, unit_id, tree)
        out += [(manifest, a) for a in manifest["artifacts"] if a["unit"] in scope]
    return out


def podcast(unit_id: str, unit_name: str, files: list[tuple[dict, dict]], storage,
            base_url: str | None) -> bytes | None:
    items = [(m, a) for m, a in files if a["media_type"].startswith("audio/")]
    if not items:
        return None
    first = items[0][0]
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(f"Bản tin truyền thanh — {unit_name}")
    fg.description(f"{first['campaign_title']}. Bản tin cho hệ thống truyền thanh cơ sở {unit_name}, "
                   f"do {first['issuer']} phát hành và ký số.")
    fg.link(href=url_for(storage, base_url, f"{UNIT_DIR}/{unit_id}/index.html"), rel="alternate")
    fg.language("vi")
    fg.author({"name": first["issuer"]})
    fg.podcast.itunes_author(first["issuer"])
    fg.podcast.itunes_category("Government")
    fg.podcast.itunes_explicit("no")
    # The feed depends only on the manifests, so an unchanged one is not rewritten.
    fg.lastBuildDate(last_published([m for m, _ in items]))
    for manifest, art in in_order(items):
        entry = fg.add_entry(order="append")
        entry.id(f"urn:sha256:{art['sha256']}")
        entry.guid(f"urn:sha256:{art['sha256']}", permalink=False)
        entry.title(item_title(art, manifest))
        entry.description(f"{manifest['phase_name']} — mức ưu tiên: {PRIORITY_NAMES[art.get('priority', 'normal')]}. "
                          f"SHA-256: {art['sha256']}")
        entry.enclosure(url_for(storage, base_url, art["path"]), str(art["bytes"]), art["media_type"])
        entry.published(item_date(art, manifest))
        entry.category(term=art.get("priority", "normal"), label=PRIORITY_NAMES[art.get("priority", "normal")])
        if art.get("duration"):
            seconds = int(round(art["duration"]))
            entry.podcast.itunes_duration(f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}")
    return fg.rss_str(pretty=True)


def index_page(unit_id: str, unit_name: str, files: list[tuple[dict, dict]], has_feed: bool) -> bytes:
    manifests = list({m["phase"]: m for m, _ in files}.values())
    phases = []
    for m in manifests:
        phases.append({"name": m["phase_name"], "dates": vi.date_range(m["phase_start"], m["phase_end"]),
                       "files": [{
            "href": f"../../{a['path']}", "name": a["path"].rsplit("/", 1)[-1],
            "title": "; ".join(a.get("titles") or []) or "—",
            "priority": a.get("priority", "normal"), "priority_name": PRIORITY_NAMES[a.get("priority", "normal")],
            "size": vi.size(a["bytes"]), "sha": a["sha256"][:16],
        } for pm, a in in_order(files) if pm is m]})
    first = manifests[0]
    return INDEX.render(unit_id=unit_id, unit_name=unit_name, campaign_title=first["campaign_title"],
                        issuer=first["issuer"], phases=phases, has_feed=has_feed,
                        updated=vi.date_time(last_published(manifests))).encode("utf-8")


def write_unit_pages(storage, campaign: Campaign, public_key, base_url: str | None = None) -> list[str]:
    """Write every unit's index.html (and podcast.xml when it has audio) that changed; return the keys written."""
    manifests = published_manifests(storage, campaign, public_key)
    if not manifests:
        return []
    tree = campaign.unit_tree()
    trees = [routing_tree(m) for m in manifests]
    pages: list[tuple[str, bytes, str]] = []
    for unit_id in sorted({uid for m in manifests for uid in m.get("units", {})}):
        files = unit_files(manifests, unit_id, trees)
        if not files:
            continue
        name = tree[unit_id].display_name if unit_id in tree else unit_id
        feed = podcast(unit_id, name, files, storage, base_url)
        if feed is not None:
            pages.append((f"{UNIT_DIR}/{unit_id}/podcast.xml", feed, "application/rss+xml"))
        pages.append((f"{UNIT_DIR}/{unit_id}/index.html", index_page(unit_id, name, files, feed is not None),
                      "text/html; charset=utf-8"))
    sizes = {o.key: o.size for o in storage.list(f"{UNIT_DIR}/")}

    def write(page: tuple[str, bytes, str]) -> str | None:
        key, data, media_type = page
        if sizes.get(key) == len(data) and storage.sha256(key) == hashlib.sha256(data).hexdigest():
            return None
        storage.put_bytes(key, data, media_type)
        return key

    with ThreadPoolExecutor(max_workers=4) as pool:
        return [key for key in pool.map(write, pages) if key]
