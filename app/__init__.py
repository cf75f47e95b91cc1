"""Jembatan: the bridge between faction complaint posts and Jakarta Smart City's CRM."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import Flask, Response, send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix

from app import crypto
from app.config import Settings, warn_about_demo_secrets
from app.database import Database, close_request_session
from app.errors import ErrorRenderer, register_error_handlers
from app.extensions import Api
from app.logging import configure_logging, install_request_ids
from app.ratelimit import init_rate_limiting
from app.wiring import core_listeners

# Blueprints, as "module:attribute". Plain Flask blueprints first, then the /api/v1 ones
# (flask-smorest), which also make up the OpenAPI document.
BLUEPRINTS = [
    "app.ops:bp",
    "app.open311:bp",
    "app.public:bp",
    "app.console:bp",
]
API_BLUEPRINTS = [
    "app.api.categories:blp",
    "app.api.complaints:blp",
    "app.api.webhooks:blp",
    "app.api.reporter:blp",
    "app.api.duplicates:blp",
    "app.api.admin:blp",
]


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the web application: config → extensions → blueprints → error handlers → CLI."""
    settings = settings or Settings.from_env(**overrides)
    configure_logging(settings, process="web")
    warn_about_demo_secrets(settings)
    crypto.configure(settings)
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"))
    app.config.from_mapping(settings.flask_config())
    app.config.update(_openapi_config())
    app.extensions["settings"] = settings
    # The public site's catalogue and the posko console's (each surface keeps its own).
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations;console/translations")
    # Requests follow each other closely: ping pooled connections only after idling.
    app.extensions["db"] = Database(
        settings.DATABASE_URL, listeners=core_listeners(settings), pool_pre_ping=False
    )
    app.teardown_appcontext(close_request_session)

    rest_api = Api(app)
    app.extensions["rest_api"] = rest_api
    for target in BLUEPRINTS:
        app.register_blueprint(_load(target))
    for target in API_BLUEPRINTS:
        rest_api.register_blueprint(_load(target))
    _serve_docs_assets(app)
    register_error_handlers(app, renderers=_error_renderers())
    init_rate_limiting(app, settings)
    _trust_proxies(app, settings.TRUSTED_PROXIES)
    _strict_transport(app, settings.PUBLIC_URL)
    install_request_ids(app)
    return app


def _error_renderers() -> dict[str, ErrorRenderer]:
    """The surfaces that answer errors in their own envelope, by path prefix: Open311's
    `<errors>` and the public site's HTML page (the rest: problem+json under /api/, else a
    plain page; app/errors.py)."""
    # Imported here, like the blueprints: importing `app` must not load every surface.
    from app.console import PREFIX as CONSOLE_PREFIX
    from app.console.responses import render_console_error
    from app.open311 import PREFIX as OPEN311_PREFIX
    from app.open311.envelope import render_open311_error
    from app.public import PUBLIC_PREFIXES
    from app.public.responses import render_error

    return {
        OPEN311_PREFIX: render_open311_error,
        CONSOLE_PREFIX: render_console_error,
        **dict.fromkeys(PUBLIC_PREFIXES, render_error),
    }


HSTS = "max-age=31536000; includeSubDomains"


def _strict_transport(app: Flask, public_url: str) -> None:
    """Served over https (JEMBATAN_PUBLIC_URL says so): browsers must never fall back to http
    for a year, so a status link cannot be read off a downgraded connection. Decided by the
    configured URL, not the request, because TLS usually ends at a reverse proxy.
    """
    if not public_url.lower().startswith("https://"):
        return

    @app.after_request
    def _hsts(response: Response) -> Response:
        response.headers["Strict-Transport-Security"] = HSTS
        return response


def _trust_proxies(app: Flask, proxies: int) -> None:
    """Behind `proxies` reverse proxies, the client is X-Forwarded-For's hop that many from
    the end (and the scheme X-Forwarded-Proto's): what the rate limiter buckets anonymous
    requests by. With 0 the headers are ignored, since any client could write them.
    """
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def _openapi_config() -> dict[str, Any]:
    return {
        "API_TITLE": "Jembatan API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Served from this process (below): the docs work offline and load nothing from a CDN.
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "Submit complaints from a faction's posko and follow their processing "
                    "in Jakarta Smart City's CRM. Errors are RFC 9457 problem+json."
                )
            },
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "jbt_…"}
                }
            },
            "security": [{"bearerAuth": []}],
        },
    }


def _serve_docs_assets(app: Flask) -> None:
    assets = swagger_ui_bundle.swagger_ui_path

    @app.get("/api/v1/docs/assets/<path:filename>")
    def docs_assets(filename: str) -> Any:
        return send_from_directory(assets, filename, max_age=86400)
