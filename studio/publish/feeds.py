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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time

from feedgen.feed import FeedGenerator
from jinja2 import Environment
from lxml import etree

from .. import vi
from ..campaign import URGENCY_WORDS, Campaign
from ..formats import EMERGENCY, FORMATS
from . import MANIFEST_KEY, join_url, signing
from .cover import COVER_NAME, cover_logo, unit_cover
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
<h2>{{ phase.label }}</h2>
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


def is_alert(art: dict, today: date | None = None) -> bool:
    """An emergency brief's immediate bulletin, listed before everything else on pages and in feeds while it
    is on air on ``today``: until its brief's window ends (``meta.until``). After that it is a bulletin of its
    day like the others (``today`` None: whether it is one at all)."""
    until = (art.get("meta") or {}).get("until")
    return art.get("format") == EMERGENCY.id and not (today and until and until < today.isoformat())


TITLE_MAX = 80  # podcast apps cut longer titles; the full titles are in the description


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return f"{cut}…"


def public_label(public_name: str | None, start, end) -> str:
    """A phase as the public may see it: its public name and dates, or its dates alone (the plan's
    internal name is never published): unit pages, feeds, the portal."""
    dates = vi.date_range(start, end)
    return f"{public_name} ({dates})" if public_name else dates


def phase_label(manifest: dict) -> str:
    """``public_label`` of a published phase, from its manifest."""
    return public_label(manifest.get("phase_name"), manifest["phase_start"], manifest["phase_end"])


def item_title(art: dict, manifest: dict) -> str:
    """A short human title: the priority, what it is and when ("Bản tin chiều 26/09/2025"), then the
    first brief's title as far as it fits."""
    meta = art.get("meta") or {}
    if is_alert(art):
        head = f"Bản tin khẩn {vi.date(item_date(art, manifest))}"
    elif FORMATS.get(art["format"]) and FORMATS[art["format"]].scope == "day":
        head = " ".join(p for p in ("Bản tin", vi.part_of_day(meta.get("slot")) if meta.get("slot") else "",
                                    vi.date(item_date(art, manifest))) if p)
    else:
        head = f"Bản tin {phase_label(manifest)}"
    if art.get("priority", "normal") != "normal":
        head = f"[{vi.upper(URGENCY_WORDS[art['priority']])}] {head}"
    titles = art.get("titles") or []
    return shorten(f"{head}: {titles[0]}", TITLE_MAX) if titles and len(head) < TITLE_MAX - 12 else head


def item_summary(art: dict, manifest: dict) -> str:
    """What the bulletin is about, for the app's episode page: its briefs' titles, phase, priority, length."""
    parts = [f"{phase_label(manifest)}."]
    if art.get("titles"):
        parts.append("Nội dung: " + "; ".join(art["titles"]) + ".")
    parts.append(f"Mức ưu tiên: {URGENCY_WORDS[art.get('priority', 'normal')]}.")
    if art.get("duration"):
        parts.append(f"Thời lượng: {vi.duration(float(art['duration']))}.")
    parts.append(f"Do {manifest['issuer']} phát hành và ký số.")
    return " ".join(parts)


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
    """Emergency bulletins still on air when last published first (newest first), then the rest by date.
    The day is the newest manifest's publication, not the clock: the same manifests give the same feed."""
    today = last_published([m for m, _ in files]).astimezone(vi.VIETNAM).date() if files else None

    def key(ma: tuple[dict, dict]) -> tuple:
        alert, when = is_alert(ma[1], today), item_date(ma[1], ma[0]).timestamp()
        return not alert, -when if alert else when, ma[1]["path"]

    return sorted(files, key=key)


def last_published(manifests: list[dict]) -> datetime:
    return max(datetime.fromisoformat(m["published_at"]) for m in manifests)


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


ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"


@dataclass(frozen=True)
class FeedLinks:
    """Where a unit's feed points: ``url(path)`` makes an absolute URL of a campaign-relative key (an
    enclosure, the cover); ``feed(unit)`` is a unit's feed URL (``atom:link rel=self``, and
    ``itunes:new-feed-url`` of the units it replaced)."""

    url: Callable[[str], str]
    feed: Callable[[str], str]
    owner_email: str | None = None


def feed_path(unit_id: str) -> str:
    return f"{UNIT_DIR}/{unit_id}/podcast.xml"


def successor(manifests: list[dict], unit_id: str) -> str | None:
    """The unit that took over an abolished unit's broadcasts (the first of its successors), or None."""
    units = manifests[-1].get("units", {}) if manifests else {}
    entry = units.get(unit_id) or {}
    if not entry.get("until") or date.fromisoformat(entry["until"]) > date.today():
        return None
    return next(iter(entry.get("successors") or []), None)


def podcast(unit_id: str, unit_name: str, files: list[tuple[dict, dict]], links: FeedLinks,
            moved_to: str | None = None) -> bytes | None:
    """The unit's RSS 2.0 podcast (Apple's and Google's required tags), or None without audio.

    ``moved_to``: the unit that replaced this one; the feed then carries ``itunes:new-feed-url``
    to its feed, so apps follow it."""
    items = [(m, a) for m, a in files if a["media_type"].startswith("audio/")]
    if not items:
        return None
    first = items[0][0]
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(f"Bản tin truyền thanh — {unit_name}")
    summary = (f"{first['campaign_title']}. Bản tin cho hệ thống truyền thanh cơ sở {unit_name}, "
               f"do {first['issuer']} phát hành và ký số.")
    fg.description(summary)
    fg.link(href=links.url(f"{UNIT_DIR}/{unit_id}/index.html"), rel="alternate")
    fg.link(href=links.feed(unit_id), rel="self", type="application/rss+xml")
    fg.language("vi")
    fg.author({"name": first["issuer"]})
    cover = links.url(f"{UNIT_DIR}/{unit_id}/{COVER_NAME}")
    fg.image(url=cover, title=f"Bản tin truyền thanh — {unit_name}", link=links.url(f"{UNIT_DIR}/{unit_id}/index.html"))
    fg.podcast.itunes_image(cover)
    fg.podcast.itunes_author(first["issuer"])
    fg.podcast.itunes_summary(summary)
    fg.podcast.itunes_category("Government")
    if moved_to:
        fg.podcast.itunes_new_feed_url(links.feed(moved_to))
    # The feed depends only on the manifests, so an unchanged one is not rewritten.
    fg.lastBuildDate(last_published([m for m, _ in items]))
    for manifest, art in in_order(items):
        entry = fg.add_entry(order="append")
        entry.id(f"urn:sha256:{art['sha256']}")
        entry.guid(f"urn:sha256:{art['sha256']}", permalink=False)
        entry.title(item_title(art, manifest))
        entry.description(item_summary(art, manifest))
        entry.enclosure(links.url(art["path"]), str(art["bytes"]), art["media_type"])
        entry.published(item_date(art, manifest))
        entry.category(term=art.get("priority", "normal"), label=URGENCY_WORDS[art.get("priority", "normal")])
        if art.get("duration"):
            seconds = int(round(art["duration"]))
            entry.podcast.itunes_duration(f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}")
    root = etree.fromstring(fg.rss_str())
    channel = root.find("channel")
    # feedgen knows only the legacy yes/no/clean and an owner with an e-mail: Apple's current values here
    etree.SubElement(channel, f"{{{ITUNES}}}explicit").text = "false"
    owner = etree.SubElement(channel, f"{{{ITUNES}}}owner")
    etree.SubElement(owner, f"{{{ITUNES}}}name").text = first["issuer"]
    if links.owner_email:
        etree.SubElement(owner, f"{{{ITUNES}}}email").text = links.owner_email
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def index_page(unit_id: str, unit_name: str, files: list[tuple[dict, dict]], has_feed: bool) -> bytes:
    manifests = list({m["phase"]: m for m, _ in files}.values())
    phases = []
    for m in manifests:
        phases.append({"label": phase_label(m),
                       "files": [{
            "href": f"../../{a['path']}", "name": a["path"].rsplit("/", 1)[-1],
            "title": "; ".join(a.get("titles") or []) or "—",
            "priority": a.get("priority", "normal"), "priority_name": URGENCY_WORDS[a.get("priority", "normal")],
            "size": vi.size(a["bytes"]), "sha": a["sha256"][:16],
        } for pm, a in in_order(files) if pm is m]})
    first = manifests[0]
    return INDEX.render(unit_id=unit_id, unit_name=unit_name, campaign_title=first["campaign_title"],
                        issuer=first["issuer"], phases=phases, has_feed=has_feed,
                        updated=vi.date_time(last_published(manifests))).encode("utf-8")


PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4's longest: feeds are re-signed at every publish


def feed_links(storage, campaign: Campaign, base_url: str | None = None, mode: str = "public") -> FeedLinks:
    """How a published feed points at files: under ``base_url`` (a proxy, a public-read bucket, the
    portal), presigned S3 links (``mode="presign"``, renewed by each publish) or the storage's own URL
    (``"public"``: readable as the storage allows; ``"public-read"``: publish has let anyone read it)."""
    if base_url:
        url = lambda path: join_url(base_url, path)  # noqa: E731
    elif mode == "presign":
        url = lambda path: storage.presign(path, PRESIGN_SECONDS)  # noqa: E731
    else:
        url = storage.public_url
    return FeedLinks(url, lambda unit: url(feed_path(unit)), campaign.contact_email)


def cover_key(campaign: Campaign, unit_id: str, unit_name: str) -> tuple[str, Callable[[], bytes]]:
    """The unit's cover key (named after its inputs, so a stored one is never rendered again) and its renderer."""
    colors, logo_path = campaign.brand.colors, cover_logo(campaign)
    stamp = repr((COVER_NAME, unit_name, campaign.title, sorted(colors.items()),
                  hashlib.sha256(logo_path.read_bytes()).hexdigest() if logo_path and logo_path.is_file() else None))
    return (f"{UNIT_DIR}/{unit_id}/cover-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}.jpg",
            lambda: unit_cover(campaign, unit_name))


def unit_feed(manifests: list[dict], campaign: Campaign, unit_id: str, links: FeedLinks,
              trees: list | None = None) -> tuple[bytes | None, list[tuple[dict, dict]], str]:
    """(the unit's feed or None, its files, its cover key) as publish and the portal serve them."""
    tree = campaign.unit_tree()
    name = tree[unit_id].display_name if unit_id in tree else unit_id
    files = unit_files(manifests, unit_id, trees)
    cover, _ = cover_key(campaign, unit_id, name)
    with_cover = FeedLinks(lambda path: links.url(cover if path == f"{UNIT_DIR}/{unit_id}/{COVER_NAME}" else path),
                           links.feed, links.owner_email)
    return podcast(unit_id, name, files, with_cover, successor(manifests, unit_id)) if files else None, files, cover


def write_unit_pages(storage, campaign: Campaign, public_key, links: FeedLinks) -> list[str]:
    """Write every unit's index.html (and podcast.xml and cover when it has audio) that changed; return
    the keys written."""
    manifests = published_manifests(storage, campaign, public_key)
    if not manifests:
        return []
    tree = campaign.unit_tree()
    trees = [routing_tree(m) for m in manifests]
    pages: list[tuple[str, bytes | Callable[[], bytes], str]] = []
    sizes = {o.key: o.size for o in storage.list(f"{UNIT_DIR}/")}
    for unit_id in sorted({uid for m in manifests for uid in m.get("units", {})}):
        feed, files, cover = unit_feed(manifests, campaign, unit_id, links, trees)
        if not files:
            continue
        name = tree[unit_id].display_name if unit_id in tree else unit_id
        if feed is not None:
            pages.append((feed_path(unit_id), feed, "application/rss+xml"))
            if cover not in sizes:
                pages.append((cover, cover_key(campaign, unit_id, name)[1], "image/jpeg"))
        pages.append((f"{UNIT_DIR}/{unit_id}/index.html", index_page(unit_id, name, files, feed is not None),
                      "text/html; charset=utf-8"))

    def write(page: tuple[str, bytes | Callable[[], bytes], str]) -> str | None:
        key, data, media_type = page
        if callable(data):
            data = data()
        elif sizes.get(key) == len(data) and storage.sha256(key) == hashlib.sha256(data).hexdigest():
            return None
        storage.put_bytes(key, data, media_type)
        return key

    with ThreadPoolExecutor(max_workers=4) as pool:
        return [key for key in pool.map(write, pages) if key]
