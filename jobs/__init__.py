"""Celery batch jobs: the same build steps as ``studio build``, run by workers.

``celery -A jobs worker`` finds the app here; ``celery -A jobs beat`` runs the
campaign's calendar (see ``jobs.schedule``).
"""

from .app import app

__all__ = ["app"]
