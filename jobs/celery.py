"""The app ``celery -A jobs worker|beat`` runs (Celery looks for ``jobs.celery``), made from the environment."""

from .app import make_app
from .settings import Settings

app = make_app(Settings.from_env())
