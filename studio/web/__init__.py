"""Web portal: commune operators listen to and download their bulletins,
province designers review every asset of a phase and approve briefs.

``create_app(campaign, storage_url, settings)`` builds the FastAPI app;
``studio serve`` runs it with uvicorn.
"""

from .app import Settings, create_app, issue_token, tokens_for

__all__ = ["Settings", "create_app", "issue_token", "tokens_for"]
