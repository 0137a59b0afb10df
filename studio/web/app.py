"""The portal: FastAPI routes over the catalog, the tokens and the campaign.

Two roles. An operator (one unit's token) sees, phase by phase, the files of its
audience (``UnitTree.audience``: its unit, the units below it, its district's pa
nô, across reorganisations) and its own podcast feed, exactly what its S3 key
may read (``publish.access``); a designer (province token) sees every asset of a phase,
approves briefs and reads the audit log and batch status. Pages are plain
server-rendered HTML (Jinja2, autoescaped) with a little CSS and no script.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import vi
from ..build import campaign_fingerprint
from ..campaign import URGENCY, URGENCY_WORDS, Campaign, emergency_title, most_urgent
from ..formats import FORMATS
from ..loader import CampaignError, load_campaign
from ..publish.access import phase_audiences
from ..publish.feeds import is_alert, public_label
from ..storage import StorageError, open_storage
from .approve import ApprovalError, append_audit, approve_brief, read_audit
from .auth import (
    LOGIN_FORM_S,
    TOKEN_PREFIX,
    Denied,
    LoginForms,
    LoginLimiter,
    LoginRequired,
    Session,
    Sessions,
    TokenRecord,
    TokenStore,
    secret_key,
)
from .catalog import FEED_DIR, FEED_NAME, SIDECARS, Catalog, Item, valid_name, valid_slug
from .editor import mount_editor
from .verify import ALTERED, FILE_STATES, SIGNATURE_STATES

HERE = Path(__file__).parent
COOKIE = "studio_session"
LOGIN_COOKIE = "studio_login_form"
PRIORITY = {p: word.capitalize() for p, word in URGENCY_WORDS.items()}  # badges: "Khẩn cấp"
DAY_IN_NAME = re.compile(r"-(\d{4}-\d{2}-\d{2})$")


@dataclass
class Settings:
    """Where the portal keeps its state, and how long a login lasts."""

    state_dir: Path | None = None  # default: <campaign>/.studio-web (tokens, key, audit log)
    session_hours: float = 8.0
    secure_cookies: bool = False  # set True behind HTTPS
    cache_seconds: float = 5.0
    public_key: Path | None = None  # province Ed25519 public key, to check manifest signatures

    def resolve(self, campaign_root: Path) -> Settings:
        state = Path(self.state_dir) if self.state_dir else Path(campaign_root) / ".studio-web"
        return Settings(state, self.session_hours, self.secure_cookies, self.cache_seconds, self.public_key)

    @property
    def tokens_file(self) -> Path:
        return Path(self.state_dir) / "tokens.json"

    @property
    def audit_file(self) -> Path:
        return Path(self.state_dir) / "audit.jsonl"


def tokens_for(campaign_root: Path, settings: Settings | None = None) -> TokenStore:
    return TokenStore((settings or Settings()).resolve(campaign_root).tokens_file)


def issue_token(campaign_root: Path, settings: Settings | None, unit: str, role: str, holder: str,
                actor: dict) -> tuple[TokenRecord, str]:
    """Issue a token (``studio web token`` and the unit page's "Tạo địa chỉ nhận tin" button) and append
    who issued it to the audit log; return its record and the plain token, shown once."""
    resolved = (settings or Settings()).resolve(campaign_root)
    record, plain = TokenStore(resolved.tokens_file).issue(unit, role, holder)
    append_audit(resolved.audit_file, {"at": datetime.now(vi.VIETNAM).replace(microsecond=0).isoformat(),
                                       "action": "issue", "issued_role": role, "unit": unit, "issued": record.id,
                                       "holder": record.name, **actor})
    return record, plain


def feed_address(base_url: str, token: str, unit: str) -> str:
    """A unit's private podcast address on the portal at ``base_url`` (``/nguon/<token>/<unit>/podcast.xml``)."""
    return f"{base_url.rstrip('/')}/nguon/{quote(token)}/{unit}/{FEED_NAME}"


@dataclass(frozen=True)
class Principal:
    token: TokenRecord
    session: Session
    audiences: dict[str, frozenset[str]] = field(default_factory=dict)  # phase id -> units (operators)

    @property
    def csrf(self) -> str:
        return self.session.csrf

    @property
    def designer(self) -> bool:
        return self.token.role == "designer"

    def may_see(self, unit: str, phase: str | None = None) -> bool:
        """A unit's files in ``phase`` (or, without one, its page: its own, or a unit it sees in some phase)."""
        if self.designer:
            return True
        if phase is not None:
            return unit in self.audiences.get(phase, ())
        return unit == self.token.unit or any(unit in units for units in self.audiences.values())

    def may_read_feed(self, unit: str) -> bool:
        """A unit's podcast carries its whole audience, so an operator reads its own only."""
        return self.designer or unit == self.token.unit


class CampaignState:
    """The last good campaign. A change on disk is loaded in the background, one reload at a time,
    so no request waits on (or is slowed by) a campaign file; a file that fails validation keeps
    the last good campaign serving, with the problem on the designer's pages."""

    RECHECK_SECONDS = 2.0

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.root = Path(campaign.root)
        self.stamp = campaign_fingerprint(self.root)
        self.checked = time.monotonic()
        self.error: str | None = None
        self._reloading = threading.Lock()
        self._audiences: dict[str, dict[str, frozenset[str]]] = {}

    def audiences(self, unit: str) -> dict[str, frozenset[str]]:
        campaign = self.get()
        if unit not in self._audiences:
            self._audiences[unit] = phase_audiences(campaign, unit)
        return self._audiences[unit]

    def get(self, force: bool = False) -> Campaign:
        """``force``: load a change now (after the designer's own approval, whose page shows it)."""
        if force:
            with self._reloading:
                self._reload()
        elif time.monotonic() - self.checked > self.RECHECK_SECONDS and self._reloading.acquire(blocking=False):
            self.checked = time.monotonic()
            threading.Thread(target=self._reload_then_release, name="campaign-reload", daemon=True).start()
        return self.campaign

    def _reload_then_release(self) -> None:
        try:
            self._reload()
        finally:
            self._reloading.release()

    def _reload(self) -> None:
        stamp = campaign_fingerprint(self.root)
        if stamp == self.stamp:
            return
        try:
            campaign = load_campaign(self.root)  # strict and bounded: an alias bomb costs a node walk
        except CampaignError as exc:  # keep serving the last good campaign, say why
            more = f" (và {len(exc.problems) - 1} lỗi khác: chạy studio validate)" if len(exc.problems) > 1 else ""
            self.error = str(exc.problems[0]) + more
        except Exception as exc:  # a reload must never take the portal down
            self.error = f"không đọc được chiến dịch ({type(exc).__name__}); chạy studio validate để xem lỗi"
        else:
            self.campaign, self.error, self._audiences = campaign, None, {}
        self.stamp = stamp


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'self'; img-src 'self'; media-src 'self'; style-src 'self'; "
                                 b"script-src 'none'; frame-ancestors 'none'; form-action 'self'"),
]


class SecurityHeaders:
    """Plain ASGI middleware (cheaper than BaseHTTPMiddleware, and it does not buffer file streams)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cacheable = scope["path"].startswith(("/static/", "/tep/"))

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if not cacheable and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)


def _optional(format_value):
    """A page filter from a ``studio.vi`` formatter: nothing for a missing value, the raw text for one
    it cannot read (a manifest written by hand must not break the page)."""
    def apply(value: Any) -> str:
        if value is None or value == "":
            return ""
        try:
            return format_value(value)
        except (TypeError, ValueError):
            return str(value)
    return apply


def latest_batch(campaign: Campaign, storage) -> dict | None:
    """The campaign's newest Celery batch and its operator's view (``jobs.batch``), from Redis or else from
    the copy in the output folder: the local store's root (where its manifests are), else ``STUDIO_OUT``."""
    from jobs import batch
    from jobs.settings import Settings as JobSettings

    manifests = (storage.local_path(f"{campaign.id}/{p.id}/manifest.json") for p in campaign.all_phases())
    out = next((m.parents[2] for m in manifests if m), None) or JobSettings.from_env().out
    found = batch.latest(campaign.id, out)
    if found is None:
        return None
    return {**found, "view": batch.view(found["jobs"], found["kept"]), "state": batch.STATE_WORDS.get(
        found["meta"]["state"], found["meta"]["state"])}


def create_app(campaign: Campaign | str | Path, storage_url: str | None = None,
               settings: Settings | None = None) -> FastAPI:
    """The portal for one campaign, reading built or published output from ``storage_url``."""
    if not isinstance(campaign, Campaign):
        campaign = load_campaign(campaign)
    settings = (settings or Settings()).resolve(Path(campaign.root))
    state = CampaignState(campaign)
    storage = open_storage(storage_url or (campaign.storage[0].url if campaign.storage else "outputs"))
    catalog = Catalog(storage, campaign.id, lambda: [p.id for p in state.get().all_phases()], settings.cache_seconds)
    if settings.public_key:
        from ..publish.signing import load_public

        catalog.verifier.public_key = load_public(settings.public_key)
    tokens = TokenStore(settings.tokens_file)
    key = secret_key(Path(settings.state_dir) / "secret.key")
    sessions = Sessions(key, int(settings.session_hours * 3600), Path(settings.state_dir) / "ended-sessions.json")
    forms, limiter = LoginForms(key), LoginLimiter()

    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "xml"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(date=_optional(vi.date), date_range=vi.date_range, time=_optional(vi.date_time), size=vi.size,
                       part_of_day=vi.part_of_day, emergency_title=emergency_title,
                       duration=_optional(lambda seconds: vi.duration(float(seconds))),
                       url=lambda path: "/tep/" + quote(path),
                       phase_label=lambda phase: public_label(phase.public_name, phase.start, phase.end))
    env.globals.update(FILE_STATES=FILE_STATES, SIGNATURE_STATES=SIGNATURE_STATES, PRIORITY=PRIORITY,
                       FORMATS=FORMATS)

    app = FastAPI(title="Studio", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.state.catalog, app.state.tokens, app.state.settings = catalog, tokens, settings

    def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        c = state.get()
        html = env.get_template(template).render(
            request=request, campaign=c, me=context.pop("me", None), campaign_error=state.error, **context)
        return HTMLResponse(html, status_code=status)

    def principal(request: Request) -> Principal:
        session = sessions.read(request.cookies.get(COOKIE))  # None once logged out
        record = tokens.get(session.token_id) if session else None  # a revoked token ends its sessions
        if record is None or record.role == "feed":
            raise LoginRequired()
        scope = {} if record.role == "designer" else state.audiences(record.unit)
        return Principal(record, session, scope)

    def designer(request: Request) -> Principal:
        me = principal(request)
        if not me.designer:
            raise Denied(403, "Trang này chỉ dành cho cán bộ thiết kế cấp tỉnh.")
        return me

    def check_csrf(me: Principal, value: str) -> None:
        if not value or not hmac.compare_digest(me.csrf.encode(), value.encode()):
            raise Denied(403, "Phiên biểu mẫu không hợp lệ (CSRF). Tải lại trang rồi thử lại.")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        if request.url.path.startswith(("/tep/", "/nguon/")):  # media players and feed readers get a status
            return Response("Cần đăng nhập.", status_code=401, media_type="text/plain; charset=utf-8")
        return RedirectResponse("/dang-nhap", status_code=303)

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied):
        return page(request, "error.html", status=exc.status, message=exc.message)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc):
        return page(request, "error.html", status=404, message="Không tìm thấy trang hoặc tệp này.")

    app.add_middleware(SecurityHeaders)

    # --- login ---------------------------------------------------------------------

    @app.get("/")
    def home(request: Request):
        me = principal(request)
        return RedirectResponse("/thu-vien" if me.designer else f"/don-vi/{me.token.unit}", status_code=303)

    def login_page(request: Request, status: int = 200, error: str = "", headers: dict | None = None):
        """The login form with its CSRF value, and the cookie that value must match."""
        cookie, value = forms.make(request.cookies.get(LOGIN_COOKIE))
        response = page(request, "login.html", status=status, error=error, csrf=value)
        response.headers.update(headers or {})
        response.set_cookie(LOGIN_COOKIE, cookie, max_age=LOGIN_FORM_S, httponly=True, samesite="strict",
                            secure=settings.secure_cookies, path="/dang-nhap")
        return response

    @app.get("/dang-nhap")
    def login_form(request: Request):
        return login_page(request)

    @app.post("/dang-nhap")
    def login(request: Request, token: str = Form(""), csrf: str = Form("")):
        keys = limiter.keys(request.client.host if request.client else "", token)
        wait = limiter.retry_after(keys)
        if wait:
            seconds = int(wait) + 1
            at = datetime.now(vi.VIETNAM) + timedelta(seconds=seconds)
            return login_page(request, 429, f"Đã nhập sai mã quá nhiều lần. Vui lòng thử lại sau {seconds} giây "
                                            f"(lúc {at:%H:%M:%S}).", {"Retry-After": str(seconds)})
        if not forms.check(request.cookies.get(LOGIN_COOKIE), csrf):
            return login_page(request, 403, "Biểu mẫu đăng nhập đã hết hạn hoặc không hợp lệ. "
                                            "Nhập lại mã truy cập rồi bấm Đăng nhập.")
        record = tokens.check(token) if token else None
        record = None if record and record.role == "feed" else record  # a feed address opens no session
        if record is None:
            limiter.failed(keys)
            return login_page(request, 401, "Mã truy cập không đúng hoặc đã bị thu hồi.")
        cookie, _ = sessions.make(record.id)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=sessions.max_age, httponly=True, samesite="lax",
                            secure=settings.secure_cookies, path="/")
        response.delete_cookie(LOGIN_COOKIE, path="/dang-nhap")
        return response

    @app.post("/dang-xuat")
    def logout(request: Request, csrf: str = Form("")):
        me = principal(request)
        check_csrf(me, csrf)
        sessions.end(me.session)  # a copy of the cookie no longer works either
        response = RedirectResponse("/dang-nhap", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # --- operator ------------------------------------------------------------------

    def decorate(item: Item, c: Campaign) -> dict:
        brief = next((b for b in c.briefs if b.id == item.brief), None)
        phase = next((p for p in c.all_phases() if p.id == item.phase), None)
        match = DAY_IN_NAME.search(item.stem)
        day = item.meta.get("day") or (match.group(1) if match else None)
        priority = item.meta.get("priority") or (brief.priority if brief else None)
        if priority not in PRIORITY:  # a phase bulletin: the most urgent of the briefs it carries
            ranks = [b.priority for b in c.briefs if b.phase == item.phase and item.channel in b.channels]
            priority = most_urgent(ranks)
        kind = FORMATS[item.format].name if item.format in FORMATS else item.format
        title = item.meta.get("title") or "; ".join(item.meta.get("titles") or []) or (brief.title if brief else (
            f"{kind} — {public_label(phase.public_name, phase.start, phase.end)}" if phase else kind))
        duration = item.meta.get("duration") or item.meta.get("duration_s")
        return {"item": item, "brief": brief, "phase": phase, "day": day, "priority": priority, "title": title,
                "duration": duration, "slot": item.meta.get("slot"), "until": item.meta.get("until"),
                "alert": is_alert({"format": item.format, "meta": item.meta}, vi.today()),
                "state": catalog.check(item), "signature": catalog.signature(item.phase),
                "script": item.sidecars.get(".script.txt"), "preview": item.sidecars.get(".preview.png"),
                "poster": item.sidecars.get(".poster.png")}

    def is_sidecar(item: Item) -> bool:
        return any(item.name.endswith(s) for s in SIDECARS)

    def unit_of_page(me: Principal, unit: str):
        tree = state.get().unit_tree()
        if not valid_slug(unit) or unit not in tree:
            raise Denied(404, "Không có đơn vị này.")
        if not me.may_see(unit):
            raise Denied(403, "Mã truy cập của bạn không được xem đơn vị này.")
        return tree[unit]

    @app.get("/don-vi/{unit}")
    def unit_page(request: Request, unit: str):
        me = principal(request)
        unit_of_page(me, unit)
        return render_unit(request, me, unit)

    def render_unit(request: Request, me: Principal, unit: str, new_feed: str | None = None):
        c = state.get()
        tree = c.unit_tree()
        scope = state.audiences(unit)
        today = vi.today().isoformat()
        groups, alerts = [], []
        for phase in sorted(c.all_phases(), key=lambda p: p.start, reverse=True):
            items = [i for i in catalog.items(phase.id)
                     if i.unit in scope.get(phase.id, ()) and me.may_see(i.unit, phase.id) and not is_sidecar(i)]
            if not items:
                continue
            audio = [decorate(i, c) for i in items if i.kind == "audio"]
            alerts += [d for d in audio if d["alert"]]  # emergency bulletins: on top of the page, newest first
            bulletins = sorted((d for d in audio if not d["alert"]), reverse=True,
                               key=lambda d: (d["day"] or "", d["slot"] or "", -URGENCY.index(d["priority"])))
            others = [decorate(i, c) for i in items if i.kind != "audio"]
            groups.append({"phase": phase, "bulletins": bulletins, "others": others,
                           "current": phase.start.isoformat() <= today <= phase.end.isoformat(),
                           "status": catalog.status(phase.id)})
        has_audio = bool(alerts) or any(g["bulletins"] for g in groups)
        feed = {"session": f"/nguon/{unit}/{FEED_NAME}" if catalog.feed(unit) else None, "new": new_feed,
                "issued": [r for r in tokens.records() if r.role == "feed" and r.unit == unit]} \
            if me.may_read_feed(unit) and has_audio else None
        alerts.sort(key=lambda d: (d["day"] or "", d["item"].path), reverse=True)
        return page(request, "unit.html", me=me, unit=tree[unit], groups=groups, alerts=alerts, today=today,
                    feed=feed)

    @app.post("/don-vi/{unit}/dia-chi-nhan-tin")
    def new_feed_address(request: Request, unit: str, csrf: str = Form("")):
        """Issue a private podcast address for the unit (as ``studio web token --unit U --feed``), shown once."""
        me = principal(request)
        check_csrf(me, csrf)
        target = unit_of_page(me, unit)
        if not me.may_read_feed(unit):
            raise Denied(403, "Chỉ cán bộ của chính đơn vị mới tạo được địa chỉ nhận tin của đơn vị.")
        _, plain = issue_token(Path(state.get().root), settings, unit, "feed", target.display_name,
                               {"by": me.token.name, "token": me.token.id, "role": me.token.role,
                                "client": request.client.host if request.client else ""})
        return render_unit(request, me, unit, feed_address(str(request.base_url), plain, unit))

    @app.get("/nguon/{unit}/" + FEED_NAME)
    def feed(request: Request, unit: str):
        me = principal(request)
        if not valid_slug(unit):
            return Response("Không có nguồn tin này.", status_code=404, media_type="text/plain; charset=utf-8")
        if not me.may_read_feed(unit):
            return Response("Không được phép.", status_code=403, media_type="text/plain; charset=utf-8")
        if not catalog.feed(unit):
            return Response("Không có nguồn tin này.", status_code=404, media_type="text/plain; charset=utf-8")
        return serve(catalog.feed(unit), "application/rss+xml; charset=utf-8", {"Cache-Control": "private, max-age=60"})

    def feed_unit(token: str, unit: str) -> TokenRecord:
        """The feed token's record when it may read ``unit``'s feed: its own unit, or a unit that replaced
        it (``itunes:new-feed-url``)."""
        record = tokens.check(token) if token.startswith(TOKEN_PREFIX) else None
        if record is None or record.role != "feed" or not valid_slug(unit):
            raise Denied(404, "Không có nguồn tin này.")
        tree, seen, todo = state.get().unit_tree(), set(), [record.unit]
        while todo:  # the unit and every unit that replaced it, across reorganisations
            current = todo.pop()
            if current in seen or current not in tree:
                continue
            seen.add(current)
            todo += list(tree[current].successors or [])
        if unit not in seen:
            raise Denied(404, "Không có nguồn tin này.")
        return record

    @app.get("/nguon/{token}/{unit}/" + FEED_NAME)
    def private_feed(request: Request, token: str, unit: str):
        """A podcast app's subscription: the token in the address stands for the login."""
        from ..publish.feeds import FeedLinks, unit_feed

        feed_unit(token, unit)
        c = state.get()
        base = str(request.base_url).rstrip("/") + f"/nguon/{quote(token)}"
        manifests = [m for m in (catalog.manifest(p.id) for p in c.all_phases()) if m]

        def url(path: str) -> str:
            if path.startswith(FEED_DIR + "/"):
                return f"{base}/{unit}/bia.jpg" if path.endswith(".jpg") else f"{base}/{unit}/{FEED_NAME}"
            return f"{base}/tep/{quote(path)}"

        data, _, _ = unit_feed(manifests, c, unit, FeedLinks(
            url, lambda u: feed_address(str(request.base_url), token, u), c.contact_email))
        if data is None:
            raise Denied(404, "Không có nguồn tin này.")
        return Response(data, media_type="application/rss+xml; charset=utf-8",
                        headers={"Cache-Control": "private, max-age=60"})

    @app.get("/nguon/{token}/{unit}/bia.jpg")
    def private_cover(token: str, unit: str):
        from ..publish.cover import unit_cover

        feed_unit(token, unit)
        c = state.get()
        return Response(unit_cover(c, c.unit_tree()[unit].display_name), media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=86400"})

    @app.get("/nguon/{token}/tep/{phase}/{channel}/{unit}/{name}")
    def private_file(token: str, phase: str, channel: str, unit: str, name: str):
        """An enclosure of a private feed: only files of the feed unit's audience, checked against the manifest."""
        record = tokens.check(token) if token.startswith(TOKEN_PREFIX) else None
        if record is None or record.role != "feed":
            raise Denied(404, "Không có tệp này.")
        if not (valid_slug(phase) and valid_slug(channel) and valid_slug(unit) and valid_name(name)):
            raise Denied(404, "Không có tệp này.")
        allowed = set()
        tree = state.get().unit_tree()
        for owner in {record.unit, *(tree[record.unit].successors or [])} if record.unit in tree else ():
            allowed |= state.audiences(owner).get(phase, frozenset())
        found = catalog.servable(phase, channel, unit, name)
        if unit not in allowed or not isinstance(found, Item):
            raise Denied(404, "Không có tệp này.")
        return serve(found.path, found.media_type, {"Cache-Control": "private, max-age=300",
                                                    "X-Content-SHA256": found.sha256}, found.sha256)

    def serve(path: str, media: str, headers: dict, sha256: str | None = None) -> Response:
        """Stream a stored file; with ``sha256`` (a manifest item), only if its bytes hash to it."""
        key = catalog.key(path)
        gone = Response("Tệp đã bị xóa khỏi kho.", status_code=404, media_type="text/plain; charset=utf-8")
        local = storage.local_path(key)
        if local is not None:
            info = storage.info(key)
            if info is None:
                return gone
            if sha256 and catalog.verifier.digest(key, info.stamp) != sha256:
                return altered()
            return FileResponse(local, media_type=media, headers=headers)
        try:
            data = storage.get_bytes(key)
        except StorageError:  # missing, or (S3) refused: the bytes no longer match the object's own record
            digest = storage.sha256(key) if sha256 else None
            return altered() if digest not in (None, sha256) else gone
        if sha256 and hashlib.sha256(data).hexdigest() != sha256:  # the very bytes about to be sent
            return altered()
        return Response(data, media_type=media, headers=headers)

    def altered() -> Response:
        return Response(ALTERED, status_code=409, media_type="text/plain; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    @app.get("/tep/{phase}/{channel}/{unit}/{name}")
    def file(request: Request, phase: str, channel: str, unit: str, name: str, tai: int = 0):
        me = principal(request)
        if not (valid_slug(phase) and valid_slug(channel) and valid_slug(unit) and valid_name(name)):
            return Response("Đường dẫn không hợp lệ.", status_code=404, media_type="text/plain; charset=utf-8")
        if phase not in {p.id for p in state.get().all_phases()}:
            return Response("Không có tệp này.", status_code=404, media_type="text/plain; charset=utf-8")
        if not me.may_see(unit, phase):
            return Response("Không được phép.", status_code=403, media_type="text/plain; charset=utf-8")
        found = catalog.servable(phase, channel, unit, name)
        if found is None:
            return Response("Không có tệp này.", status_code=404, media_type="text/plain; charset=utf-8")
        path = found.path if isinstance(found, Item) else found
        media = found.media_type if isinstance(found, Item) else (mimetypes.guess_type(name)[0] or
                                                                   "application/octet-stream")
        if media.startswith("text/") and "charset" not in media:
            media += "; charset=utf-8"
        headers = {"Cache-Control": "private, max-age=300",
                   "Content-Disposition": f'{"attachment" if tai else "inline"}; filename="{name}"'}
        if isinstance(found, Item):
            headers["X-Content-SHA256"] = found.sha256
            return serve(path, media, headers, found.sha256)
        return serve(path, media, headers)

    # --- designer ------------------------------------------------------------------

    @app.get("/thu-vien")
    def gallery(request: Request, giai_doan: str = "", kenh: str = "", don_vi: str = ""):
        me = designer(request)
        c = state.get()
        phases = c.all_phases()
        for value in (giai_doan, kenh, don_vi):
            if value and not valid_slug(value):
                raise Denied(404, "Bộ lọc không hợp lệ.")
        with_items = [p for p in phases if catalog.items(p.id)]
        current = next((p for p in phases if p.id == giai_doan), None) or (with_items[0] if with_items else None)
        if giai_doan and (current is None or current.id != giai_doan):
            raise Denied(404, "Không có giai đoạn này.")
        tree = c.unit_tree()
        items = [i for i in catalog.items(current.id) if not is_sidecar(i)] if current else []
        channels = sorted({i.channel for i in items})
        units = sorted({i.unit for i in items if not kenh or i.channel == kenh})
        shown = [i for i in items if (not kenh or i.channel == kenh) and (not don_vi or i.unit == don_vi)]
        grouped: dict[str, list[dict]] = {}
        for item in shown:
            grouped.setdefault(item.channel, []).append(decorate(item, c))
        names = {ch.id: ch.name for ch in c.channels}
        return page(request, "gallery.html", me=me, phases=phases, with_items={p.id for p in with_items},
                    current=current, channels=channels, units=units, kenh=kenh, don_vi=don_vi, grouped=grouped,
                    channel_names=names, tree=tree, total=len(shown))

    @app.get("/tin-bai")
    def briefs(request: Request, ok: str = ""):
        me = designer(request)
        return page(request, "briefs.html", me=me, done=ok if valid_slug(ok) else "")

    @app.post("/tin-bai/{brief_id}/duyet")
    def approve(request: Request, brief_id: str, csrf: str = Form("")):
        me = designer(request)
        check_csrf(me, csrf)
        c = state.get(force=True)
        if not valid_slug(brief_id):
            raise Denied(404, "Không có tin bài này.")
        brief = next((b for b in c.briefs if b.id == brief_id), None)
        if brief is None:
            raise Denied(404, "Không có tin bài này.")
        path = (Path(c.root) / brief.source).resolve()
        if not path.is_relative_to(Path(c.root).resolve()):
            raise Denied(404, "Không có tin bài này.")
        try:
            approve_brief(path, me.token.name, settings.audit_file,
                          {"token": me.token.id, "role": me.token.role,
                           "client": request.client.host if request.client else ""})
        except ApprovalError as exc:
            raise Denied(409, str(exc)) from exc
        state.get(force=True)
        return RedirectResponse(f"/tin-bai?ok={brief_id}", status_code=303)

    @app.get("/nhat-ky")
    def audit(request: Request):
        me = designer(request)
        return page(request, "audit.html", me=me, entries=read_audit(settings.audit_file))

    @app.get("/trang-thai")
    def status(request: Request):
        me = designer(request)
        c = state.get()
        rows = [{"phase": p, "status": catalog.status(p.id), "signature": catalog.signature(p.id),
                 "count": len(catalog.items(p.id))} for p in c.all_phases()]
        rows = [r for r in rows if r["status"] or r["count"] or not r["phase"].subphases]  # Đợt 2 = its sub-phases
        return page(request, "status.html", me=me, rows=rows, storage_url=storage.url,
                    batch=latest_batch(c, storage))


    mount_editor(app, state=state, page=page, designer=designer, check_csrf=check_csrf, settings=settings)
    return app

