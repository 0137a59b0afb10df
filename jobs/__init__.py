"""Celery batch jobs: the same build steps as ``studio build``, run by workers.

``celery -A jobs worker`` finds the app in ``jobs.celery`` (made by ``jobs.app.make_app``
from the environment); ``celery -A jobs beat`` runs the campaign's calendar (``jobs.beat``).
"""
