"""Which files a Jinja2 template reads: itself and everything it includes, imports or extends.

One answer for every renderer (scenes, bulletin scripts), so the inputs hash of a job
lists exactly the template files its output depends on.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import meta


def template_files(env: jinja2.Environment, name: str) -> list[Path]:
    """``name`` and every template it references, recursively, as the loader finds them."""
    seen: dict[str, Path] = {}
    todo = [name]
    while todo:
        file_name = todo.pop()
        if file_name in seen:
            continue
        source, path, _ = env.loader.get_source(env, file_name)
        seen[file_name] = Path(path)
        todo += _references(env, source)
    return list(seen.values())


@lru_cache(maxsize=256)
def _references(env: jinja2.Environment, source: str) -> list[str]:
    """Templates a source references: parsing is ~20 ms, and every job of a template asks."""
    return [ref for ref in meta.find_referenced_templates(env.parse(source)) if ref]
