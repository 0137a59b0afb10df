"""Per-unit pages: ``don-vi/<unit>/index.html`` (every published file) and ``podcast.xml``.

Built from the signed manifests of every published phase of the campaign, so a
commune subscribes once and its podcast app picks up each new bulletin; audio
items carry duration, size and the loudspeaker priority (normal / priority /
emergency). Pages are conveniences: the signed manifest stays the authority.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timezone

from feedgen.feed import FeedGenerator
from jinja2 import Environment

from ..campaign import Campaign
from ..text import human_size
from . import MANIFEST_KEY, PRIORITY_NAMES, join_url
from . import signing

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
{% if has_feed %}<p>Bản tin truyền thanh dạng podcast: <a href="podcast.xml">podcast.xml</a> (thêm địa chỉ này vào ứng dụng podcast để nhận bản tin mới).</p>{% endif %}
<p>Mọi tệp đều được tỉnh ký số. Trước khi phát, tải và kiểm tra bằng lệnh:
<code>studio pull --unit {{ unit_id }} --from &lt;địa chỉ giai đoạn&gt; --key province.pub THƯ-MỤC</code></p>
{% for phase in phases %}
<h2>{{ phase.name }} ({{ phase.start }} – {{ phase.end }})</h2>
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


def item_title(art: dict, manifest: dict) -> str:
    title = "; ".join(art.get("titles") or []) or f"Bản tin {manifest['phase_name']}"
    if art["format"].endswith("-daily"):
        title = f"{title} — ngày {item_date(art, manifest):%d/%m/%Y}"
    if art.get("priority", "normal") != "normal":
        title = f"[{PRIORITY_NAMES[art['priority']].upper()}] {title}"
    return title


def item_date(art: dict, manifest: dict) -> datetime:
    job = art.get("job") or ""
    try:
        day = date.fromisoformat(job[-10:]) if art["format"].endswith("-daily") else date.fromisoformat(manifest["phase_start"])
    except ValueError:
        day = date.fromisoformat(manifest["phase_start"])
    return datetime.combine(day, time(6, 0), tzinfo=timezone.utc)


def last_published(manifests: list[dict]) -> datetime:
    return max(datetime.fromisoformat(m["published_at"]) for m in manifests)


def url_for(storage, base_url: str | None, path: str) -> str:
    if base_url:
        return join_url(base_url, path)
    if hasattr(storage, "public_url"):
        return storage.public_url(path)
    return (storage.root / path).as_uri()


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


def podcast(unit_id: str, unit_name: str, manifests: list[dict], storage, base_url: str | None) -> bytes | None:
    items = [(m, a) for m in manifests for a in m["artifacts"]
             if a["unit"] == unit_id and a["media_type"].startswith("audio/")]
    if not items:
        return None
    first = manifests[0]
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
    fg.lastBuildDate(last_published(manifests))  # pages depend only on the manifests: unchanged ones are skipped
    for manifest, art in sorted(items, key=lambda ma: (item_date(ma[1], ma[0]), ma[1]["path"])):
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


def index_page(unit_id: str, unit_name: str, manifests: list[dict], has_feed: bool) -> bytes:
    phases = []
    for m in manifests:
        files = [a for a in m["artifacts"] if a["unit"] == unit_id]
        if not files:
            continue
        phases.append({"name": m["phase_name"], "start": m["phase_start"], "end": m["phase_end"], "files": [{
            "href": f"../../{a['path']}", "name": a["path"].rsplit("/", 1)[-1],
            "title": "; ".join(a.get("titles") or []) or "—",
            "priority": a.get("priority", "normal"), "priority_name": PRIORITY_NAMES[a.get("priority", "normal")],
            "size": human_size(a["bytes"]), "sha": a["sha256"][:16],
        } for a in files]})
    first = manifests[0]
    return INDEX.render(unit_id=unit_id, unit_name=unit_name, campaign_title=first["campaign_title"],
                        issuer=first["issuer"], phases=phases, has_feed=has_feed,
                        updated=last_published(manifests).strftime("%d/%m/%Y %H:%M UTC")).encode("utf-8")


def write_unit_pages(storage, campaign: Campaign, public_key, base_url: str | None = None) -> list[str]:
    """Write every unit's index.html (and podcast.xml when it has audio) that changed; return the keys written."""
    manifests = published_manifests(storage, campaign, public_key)
    if not manifests:
        return []
    tree = campaign.unit_tree()
    pages: list[tuple[str, bytes, str]] = []
    for unit_id in sorted({a["unit"] for m in manifests for a in m["artifacts"]}):
        name = tree[unit_id].display_name if unit_id in tree else unit_id
        feed = podcast(unit_id, name, manifests, storage, base_url)
        if feed is not None:
            pages.append((f"{UNIT_DIR}/{unit_id}/podcast.xml", feed, "application/rss+xml"))
        pages.append((f"{UNIT_DIR}/{unit_id}/index.html", index_page(unit_id, name, manifests, feed is not None),
                      "text/html; charset=utf-8"))
    sizes = {o.key: o.size for o in storage.list(f"{UNIT_DIR}/")}

    def write(page: tuple[str, bytes, str]) -> str | None:
        key, data, media_type = page
        if sizes.get(key) == len(data):
            stored = storage.info(key)
            if stored is not None and stored.sha256 == hashlib.sha256(data).hexdigest():
                return None
        storage.put_bytes(key, data, media_type)
        return key

    with ThreadPoolExecutor(max_workers=4) as pool:
        return [key for key in pool.map(write, pages) if key]
