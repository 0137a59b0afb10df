"""Commune loudspeaker bulletins (truyền thanh cơ sở): script, spoken form, TTS, broadcast MP3.

Registers the ``bulletin`` renderer (formats ``bulletin``, ``bulletin-daily`` and an
emergency brief's immediate ``bulletin-khan``)
and offers ``narrate_brief`` to the video renderer: the same voices, cache and
loudness target, with sentence timings for subtitles.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mutagen.mp3 import MP3

from .. import vi
from ..artifacts import Output, atomic_write_text
from ..campaign import draft_meta, emergency_title
from ..context import JobContext, JobInputs, campaign_slice, phase_root
from ..formats import EMERGENCY
from ..plan import briefs_for, window
from ..publish.cover import APIC_PX, cover_files, unit_cover
from ..renderers import Renderer, register
from . import audio
from .normalize import normalizer_for, spoken
from .script import PAUSE_S, Script, announcer_text, build_script, template_paths
from .speech import VERSION as CHAIN_VERSION
from .speech import Voice, find_voiceover, loudness_of
from .tts import ENGINES, Auto, TTSError, get_engine

if TYPE_CHECKING:
    from ..campaign import Brief
    from ..context import BuildContext
    from ..plan import RenderJob

__all__ = ["BulletinRenderer", "Narration", "narrate_brief", "spoken", "voice_for", "ENGINES", "TTSError",
           "get_engine"]

JINGLE_GAP_S = 0.4
SENTENCE_GAP_S = 0.35


def voiceover_files(root: str, briefs: list[Brief]) -> dict[str, str]:
    """Recorded ``voiceovers/<brief id>.*`` of these briefs, as declared input files."""
    found = {b.id: find_voiceover(root, b.id) for b in briefs}
    return {f"voiceover:{brief_id}": str(path) for brief_id, path in found.items() if path}


def declared_voiceovers(ctx: JobContext) -> dict[str, Path]:
    """The voice-overs a job declared in its inputs, by brief id."""
    return {name.removeprefix("voiceover:"): Path(path) for name, path in ctx.inputs.files.items()
            if name.startswith("voiceover:")}


def voice_for(ctx: BuildContext | JobContext, engine: str | None = None) -> Voice:
    """The voice a build uses: ``engine`` argument, else the build option, else ``campaign.audio.engine``."""
    options = dict(ctx.options_for("bulletin"))
    name = engine or options.pop("engine", None) or ctx.campaign.audio.engine
    options.pop("engine", None)
    return Voice.for_campaign(ctx.cache, ctx.campaign.audio, name, ctx.campaign.root, **options)


# --- narration for video ----------------------------------------------------------------

@dataclass
class Narration:
    """A loudness-normalised WAV and the written sentences it reads, with their times (seconds)."""

    audio_path: Path
    segments: list[tuple[float, float, str]] = field(default_factory=list)
    engine: str = ""
    note: str = ""

    @property
    def duration_s(self) -> float:
        return audio.duration(self.audio_path)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?…])\s+", text.strip()) if s.strip()]


def narrate_brief(ctx: JobContext, brief: Brief, engine: str | None = None,
                  parts: tuple[str, ...] = ("headline", "key_messages")) -> Narration:
    """Read a brief's headline and key messages (or other ``parts``: ``body``, ``slogans``).

    Each written sentence is read in its spoken form; ``segments`` holds the
    written sentence with its start and end in the WAV, for subtitles. A recorded
    ``voiceovers/<brief id>.*`` replaces the synthesised voice (one segment then).
    """
    voice = voice_for(ctx, engine)
    sentences: list[str] = []
    for part in parts:
        value = getattr(brief, part)
        for text in (value if isinstance(value, list) else [value]):
            sentences += split_sentences(text)
    recorded = declared_voiceovers(ctx).get(brief.id)
    if recorded:
        wav = voice.recording(recorded)
        return Narration(wav, [(0.0, audio.duration(wav), " ".join(sentences))], "voice-over", voice.note)
    speak = normalizer_for(ctx.campaign.audio.abbreviations)
    wavs = [voice.speech(speak(s)) for s in sentences]
    if not wavs:
        raise TTSError(f"{brief.source or brief.id}: tin bài không có câu nào để đọc ({', '.join(parts)}).")
    segments, parts_out, t = [], [], 0.0
    for sentence, wav in zip(sentences, wavs):
        length = audio.duration(wav)
        segments.append((round(t, 3), round(t + length, 3), sentence))
        parts_out += [wav, SENTENCE_GAP_S]
        t += length + SENTENCE_GAP_S
    key = {"narration": [str(w.name) for w in wavs], "gap": SENTENCE_GAP_S}

    def make(tmp: Path) -> None:
        # Sentences are each on target; one gain brings back what their limiters cost.
        loud = [loudness_of(w) for w in wavs]
        level = _integrated((lufs, audio.duration(w)) for (lufs, _), w in zip(loud, wavs))
        gain = min(voice.loud.target_lufs - level, voice.loud.true_peak_db - 0.3 - max(peak for _, peak in loud))
        joined = tmp.with_name(tmp.name + ".join.wav")
        try:
            audio.join(parts_out[:-1], joined)
            audio.run(["-y", "-i", str(joined), "-af", f"volume={gain:.2f}dB", "-c:a", "pcm_s16le", "-f", "wav",
                       str(tmp)], "ghép lời đọc")
        finally:
            joined.unlink(missing_ok=True)

    path = ctx.cache.get_or_make(key, ".wav", make)
    return Narration(path, segments, voice.engine_name, voice.note)


# --- the bulletin renderer -----------------------------------------------------------

def job_script(job: RenderJob, ctx: JobContext) -> Script:
    """The script of a bulletin job, from its declared inputs (the build and ``studio validate``)."""
    campaign = ctx.campaign
    return build_script(campaign, campaign.phase(job.phase), ctx.tree[job.unit], campaign.briefs, job.day,
                        declared_voiceovers(ctx), slot=job.slot, emergency=job.format == EMERGENCY.id)


class BulletinRenderer(Renderer):
    """One commune's bulletin for a phase or a day: announcer script, spoken text, MP3."""

    kind = "bulletin"
    version = "5"  # 2: ID3v2.3, Vietnamese priority word; 3: the unit's cover art (APIC); 4: cover scaled in steps;
    # 5: an emergency title that says "khẩn" is not prefixed "Bản tin khẩn" again

    @staticmethod
    def segments(voice: Voice, script, voiceovers: dict[str, Path], jingle: bool) -> list:
        """The bulletin's MP3 segments in order: items (recorded ones replace TTS), jingles around."""
        wavs: list[Path] = []
        for item in script.items:
            recorded = voiceovers.get(item.brief_id) if item.brief_id else None
            wavs.append(voice.recording(recorded) if recorded else voice.speech(item.spoken))
        segments = [voice.segment(w, PAUSE_S) for w in wavs]
        alert = script.context.get("emergency")
        if jingle or alert:  # an immediate emergency bulletin always opens and ends on the alert tone
            opening = "alert" if script.priority == "emergency" else "intro"
            segments = ([voice.segment(voice.jingle(opening), JINGLE_GAP_S)] + segments
                        + [voice.segment(voice.jingle("alert" if alert else "outro"), 0.0)])
        return segments

    def inputs(self, job: RenderJob, ctx: BuildContext) -> JobInputs:
        """The unit's briefs, the job's top-level phase, the unit, the audio settings, the
        bulletin templates (campaign overrides first), the briefs' recorded voice-overs, and what the
        cover art (ID3 APIC) is drawn from: the brand's colours and logo file."""
        campaign = ctx.campaign
        briefs = briefs_for(campaign, job, ctx.tree)
        values = campaign_slice(campaign, briefs, [ctx.tree[job.unit]], phases=[phase_root(campaign, job.phase)],
                                channels=[job.channel], audio=True, brand=False)
        values["brand"] = {"colors": campaign.brand.colors, "logo": campaign.brand.logo}  # not its fonts
        files = {f"template:radio/{p.name}": str(p) for p in template_paths(campaign.root)}
        files.update(voiceover_files(campaign.root, briefs))
        files.update(cover_files(campaign))
        # the briefs' approval status is hashed with them: approving a brief re-renders its bulletins
        return JobInputs((self.kind, self.version), job.to_dict(), values, files,
                         {self.kind: ctx.options_for(self.kind)}, {"chain": CHAIN_VERSION})

    def render(self, job: RenderJob, ctx: BuildContext) -> list[Output]:
        campaign = ctx.campaign
        unit = ctx.tree[job.unit]
        phase = campaign.phase(job.phase)
        voiceovers = declared_voiceovers(ctx)
        script = job_script(job, ctx)
        voice = voice_for(ctx)
        try:
            segments = self.segments(voice, script, voiceovers, campaign.audio.jingle)
        except TTSError as exc:
            if voice.requested != "auto" or voice.engine_name != "gtts":
                raise
            # gTTS answered the probe but failed mid-build: this and later bulletins fall back.
            Auto.give_up(str(exc))
            voice = voice_for(ctx)
            segments = self.segments(voice, script, voiceovers, campaign.audio.jingle)

        mp3 = ctx.job_path(job, ".mp3")
        emergency = job.format == EMERGENCY.id
        brief = campaign.briefs[0] if emergency else None
        date = job.day or (brief and brief.start or phase.start).isoformat()
        title = " — ".join(part for part in (" ".join(part for part in (
            emergency_title(brief.title) if brief else "Bản tin", vi.part_of_day(job.slot),
            f"ngày {vi.date(job.day)}" if job.day else "") if part), phase.public_name, unit.display_name) if part)
        audio.join_mp3([s.path for s in segments], mp3, audio.Tags(
            title=title, station=script.station, commune=unit.display_name, phase=phase.public_name, date=date,
            priority=script.priority, album=campaign.title, cover=unit_cover(campaign, unit.display_name, APIC_PX)))
        seconds = round(MP3(str(mp3)).info.length, 2)
        meta = {"engine": voice.engine_name, "engine_requested": voice.requested, "duration_s": seconds,
                "lufs": round(audio.gated(b for s in segments for b in s.blocks), 2),  # the MP3 as encoded
                "true_peak_db": round(max(s.true_peak for s in segments), 2),
                "priority": script.priority, "day": date if emergency else job.day, "slot": job.slot,
                "unit_name": unit.display_name, "voiceovers": sorted(voiceovers),
                "estimated_reading_s": round(script.total_s, 1),
                "drafts": draft_meta(campaign.briefs).get("drafts", [])}
        if voice.note:
            meta["engine_note"] = voice.note
        if brief:  # an immediate bulletin is on air until its brief's window ends (portal and feeds)
            meta["until"] = window(brief, phase)[1].isoformat()
        script_path = atomic_write_text(ctx.job_path(job, ".script.txt"), announcer_text(script, campaign.root))
        spoken_path = atomic_write_text(ctx.job_path(job, ".spoken.txt"), script.spoken_text)
        text_meta = {key: meta[key] for key in ("priority", "day", "slot", "unit_name", "drafts")}
        return [Output(mp3, "audio/mpeg", meta),
                Output(script_path, "text/plain; charset=utf-8", {**text_meta, "role": "announcer-script"}),
                Output(spoken_path, "text/plain; charset=utf-8", {**text_meta, "role": "spoken-form"})]


def _integrated(parts) -> float:
    """Integrated loudness of joined parts from theirs: ``(lufs, seconds)`` pairs, energy mean weighted by length."""
    parts = [(lufs, seconds) for lufs, seconds in parts if lufs > -70 and seconds > 0]
    total = sum(seconds for _, seconds in parts)
    return 10 * math.log10(sum(10 ** (lufs / 10) * s for lufs, s in parts) / total) if total else -99.0


register(BulletinRenderer())
