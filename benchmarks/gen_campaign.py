"""A national-size test campaign: N provinces × M communes with the example's briefs and brand.

    .venv/bin/python benchmarks/gen_campaign.py OUT --provinces 34 --communes 97
    .venv/bin/python benchmarks/gen_campaign.py OUT --provinces 6 --communes 100 --channel truyen-thanh-co-so

Studio's unit tree has three levels (province → district → commune) and one root, so the
nation is the root (level ``province``, "Cả nước"), each province is a unit of the middle
level (type ``tỉnh``: a channel at ``district`` level, the pa nô, makes one asset per
province) and its communes sit below it, none merged or abolished: the shape of the
country after the July 2025 reorganisation (34 provinces, ~3,300 communes and wards).

Everything else is ``examples/ninh-thuan-2025``: campaign.yaml (brand kit, phases, audio,
channels) and its briefs, copied as they are. ``channels`` keeps only some channels (the
briefs' ``channels``/``formats`` lines are narrowed to match), so that a benchmark can make
only the per-commune work. Names and ids are deterministic (same arguments, same bytes):
names are pairs of common Vietnamese place-name syllables, ids the slug of the name plus the
unit's 5-digit code, codes numbered from 1.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from itertools import permutations
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ninh-thuan-2025"
sys.path.insert(0, str(ROOT))

from studio.text import slugify  # noqa: E402

SYLLABLES = ("An", "Bình", "Phước", "Hòa", "Tân", "Long", "Thạnh", "Mỹ", "Hải", "Sơn", "Phú", "Lộc", "Thuận",
             "Hưng", "Đông", "Tây", "Nam", "Bắc", "Trung", "Vĩnh", "Xuân", "Hiệp", "Thái", "Quang", "Đức",
             "Nghĩa", "Lâm", "Hà", "Thanh", "Kim", "Ninh", "Cát", "Hồng", "Gia", "Tiến", "Hợp", "Thới", "Định")
COMMUNE_TYPES = ("xã", "xã", "xã", "phường")  # about a quarter of the units are wards
#: every pair of distinct syllables, in a fixed order that does not repeat a first syllable in a row
NAMES = [f"{a} {b}" for a, b in sorted(permutations(SYLLABLES, 2),
                                       key=lambda p: (SYLLABLES.index(p[1]) - SYLLABLES.index(p[0])) % len(SYLLABLES))]


def units(provinces: int, communes: int) -> list[dict]:
    """The unit records of ``units.yaml``: the nation, ``provinces`` provinces, ``communes`` communes each."""
    if provinces < 1 or communes < 1:
        raise ValueError("provinces and communes must be at least 1")
    out = [{"id": "ca-nuoc", "name": "Cả nước", "level": "province", "code": "00"}]
    n = 0
    for p in range(provinces):
        name = NAMES[(p * 7) % len(NAMES)]
        pid = f"{slugify(name)}-{p + 1:02d}"
        out.append({"id": pid, "name": f"Tỉnh {name}", "level": "district", "type": "tỉnh",
                    "parent": "ca-nuoc", "code": f"{p + 1:02d}"})
        for _ in range(communes):
            n += 1
            cname = NAMES[n % len(NAMES)]
            out.append({"id": f"{slugify(cname)}-{n:05d}", "name": cname, "level": "commune",
                        "type": COMMUNE_TYPES[n % len(COMMUNE_TYPES)], "parent": pid, "code": f"{n:05d}"})
    return out


def _narrow(line: str, key: str, keep: set[str]) -> str | None:
    """A brief's one-line ``channels: [...]``/``formats: [...]`` with only ``keep``; None drops the line."""
    values = [v for v in yaml.safe_load(line)[key] if v in keep]
    return f"{key}: [{', '.join(values)}]\n" if values else None


def generate(dest: str | Path, provinces: int, communes: int, channels: list[str] | None = None,
             example: Path = EXAMPLE) -> Path:
    """Write the campaign folder ``dest`` (replaced if it exists) and return it."""
    dest = Path(dest)
    config = yaml.safe_load((example / "campaign.yaml").read_text(encoding="utf-8"))
    if channels:
        unknown = set(channels) - {c["id"] for c in config["channels"]}
        if unknown:
            raise ValueError(f"unknown channels: {', '.join(sorted(unknown))}")
        config["channels"] = [c for c in config["channels"] if c["id"] in channels]
    kept_channels = {c["id"] for c in config["channels"]}
    kept_formats = {f for c in config["channels"] for f in c["formats"]}
    config.update(id=f"quoc-gia-{provinces}x{communes}",
                  title=f"Chiến dịch thử quy mô quốc gia: {provinces} tỉnh × {communes} xã",
                  issuer="Bộ Văn hóa, Thể thao và Du lịch", units_file="units.yaml")
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "briefs").mkdir(parents=True)
    header = f"# Sinh bởi benchmarks/gen_campaign.py ({provinces} tỉnh × {communes} xã) — đừng sửa tay.\n"
    (dest / "campaign.yaml").write_text(header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                        encoding="utf-8")
    (dest / "units.yaml").write_text(header + yaml.safe_dump(units(provinces, communes), allow_unicode=True,
                                                             sort_keys=False), encoding="utf-8")
    for brief in sorted(example.glob("briefs/*.y*ml")):
        lines = brief.read_text(encoding="utf-8").splitlines(keepends=True)
        out = []
        for line in lines:
            for key, keep in (("channels", kept_channels), ("formats", kept_formats)):
                if line.startswith(f"{key}:"):
                    line = _narrow(line, key, keep)
                    break
            if line is not None:
                out.append(line)
        if any(line.startswith("channels:") for line in out):  # a brief left with no channel is dropped
            (dest / "briefs" / brief.name).write_text("".join(out), encoding="utf-8")
    return dest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="campaign folder to write (replaced)")
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--communes", type=int, default=97, help="communes per province")
    parser.add_argument("--channel", action="append", default=[], help="keep only these channels (repeatable)")
    args = parser.parse_args(argv)
    dest = generate(args.dest, args.provinces, args.communes, args.channel or None)
    print(f"{dest}: {args.provinces} provinces × {args.communes} communes = {args.provinces * args.communes} communes")


if __name__ == "__main__":
    main()
