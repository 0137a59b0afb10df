"""Loading the renderers: the built-in plugin modules and any installed package's.

Kept apart from the registry (``studio.renderers``), which the plugin modules import to
register themselves: the registry imports no plugin, so there is no import cycle.
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points

from . import renderers
from .renderers import Renderer

BUILTIN = ("studio.visual", "studio.deck", "studio.radio", "studio.video")
_LOADED: set[tuple] = set()


def load() -> dict[str, Renderer]:
    """Import every renderer module once per process; return the registry."""
    # STUDIO_PLUGINS (comma-separated modules) replaces the built-in list, e.g. for workers or tests.
    names = tuple(n.strip() for n in os.environ.get("STUDIO_PLUGINS", "").split(",") if n.strip()) or BUILTIN
    if (names, id(renderers.REGISTRY)) in _LOADED:  # scanning entry points costs ~40 ms: once per process
        return renderers.REGISTRY
    for name in names:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the plugin exists but its own import failed: say so
                raise
    for ep in entry_points(group="studio.renderers"):
        ep.load()
    _LOADED.add((names, id(renderers.REGISTRY)))
    return renderers.REGISTRY


def get(kind: str) -> Renderer | None:
    return load().get(kind)
