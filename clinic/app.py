"""Assembling the application: config, extensions, core blueprints, plugins."""

from __future__ import annotations

import os
from pathlib import Path

from flask import (
    Flask,
    Response,
    abort,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.routing import IntegerConverter

from clinic import __version__, assets, config, database, security
from clinic.extensions import csrf, db, login_manager, migrate
from clinic.pdf import PdfError, PdfTimeout
from clinic.plugins import PluginRegistry, load_plugins

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORE_MIGRATIONS = PROJECT_ROOT / "migrations"


def build_app(test_config: dict | None = None) -> Flask:
    instance = os.environ.get("CLINIC_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
    app = Flask(
        "clinic",
        instance_path=instance,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
    )
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(config.from_environment(instance_path))
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.load_secret_key(instance_path)
    if not app.config.get("CLINIC_AUDIT_KEY"):
        app.config["CLINIC_AUDIT_KEY"] = config.load_audit_key(instance_path)

    # Models must be imported before plugins so their foreign keys resolve.
    from clinic import memo as _memo  # noqa: F401 -- per-request answers, forgotten on writes
    from clinic.audit import models as _audit_models  # noqa: F401
    from clinic.audit import sealing as _sealing  # noqa: F401 -- seals audit rows after commits
    from clinic.auth import models as _auth_models  # noqa: F401
    from clinic.patients import models as _patient_models  # noqa: F401
    from clinic.settings import Setting  # noqa: F401
    from clinic.versions import DataVersion  # noqa: F401 -- raised by every write

    security.trust_proxies(app)
    db.init_app(app)
    database.init_app(app)
    login_manager.init_app(app)
    from clinic.auth import sessions

    sessions.init_app(app)  # its before_request must precede CSRF's
    csrf.init_app(app)
    security.init_app(app)
    assets.init_app(app)

    registry = PluginRegistry()
    app.extensions["clinic"] = registry
    from clinic.chartcache import ChartCache

    app.extensions["clinic_chart_cache"] = ChartCache(app.config["CLINIC_CHART_CACHE_ENTRIES"])

    from clinic.admin.views import bp as admin_bp
    from clinic.auth.views import bp as auth_bp
    from clinic.home import bp as home_bp
    from clinic.patients.views import bp as patients_bp

    # Before any route exists: every <int:...> in a URL is bounded (see the converter).
    app.url_map.converters["int"] = DatabaseIntConverter
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(patients_bp, url_prefix="/patients")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(home_bp)
    _core_routes(app)
    load_plugins(app, registry)

    migrate.init_app(app, db, directory=str(CORE_MIGRATIONS))

    @migrate.configure
    def _plugin_branches(alembic_config):
        from clinic.plugins import disabled_plugin_migrations

        folders = [
            CORE_MIGRATIONS / "versions",
            *registry.migration_folders,
            *disabled_plugin_migrations(registry),
        ]
        # What "db upgrade" (target "head") means: the core and every enabled plugin.
        alembic_config.attributes["clinic_upgrade_targets"] = ("core@head",) + tuple(
            f"{name}@head"
            for name, loaded in registry.plugins.items()
            if loaded.status == "enabled" and loaded.manifest.migrations
        )
        alembic_config.set_main_option("path_separator", "os")
        alembic_config.set_main_option(
            "version_locations", os.pathsep.join(str(f) for f in folders)
        )
        return alembic_config

    _template_helpers(app, registry)
    _error_pages(app)
    from clinic import cli

    cli.init_app(app, registry)
    return app


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` limited to what an id column holds on every engine (PostgreSQL int4).

    A larger number can name no row; without the bound it reached the database and
    failed there (a 500) instead of being "not found".
    """

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _core_routes(app: Flask) -> None:
    from clinic.permissions import public

    @app.route("/")
    @public
    def index():
        from clinic.auth.views import any_user_exists

        if not any_user_exists():
            return redirect(url_for("auth.setup"))
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return redirect(url_for("home.start"))

    @app.route("/clinic-logo")
    @public
    def clinic_logo():
        # The letterhead logo for the top bar and the tablet: not patient data, and the
        # tablet shows it before anyone signs in.  Only a logo that passed the upload
        # checks (PNG or JPEG by content) is ever stored.
        import base64

        from clinic.settings import LOGO_KEY, get_setting

        logo = get_setting(LOGO_KEY)
        if not logo:
            abort(404)
        response = Response(base64.b64decode(logo["data"]), mimetype=logo["mime"])
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.route("/healthz")
    @public
    def healthz():
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
        except SQLAlchemyError:
            db.session.rollback()
            body = {"status": "unavailable", "database": "unreachable", "version": __version__}
            return body, 503
        return {"status": "ok", "database": "ok", "version": __version__}


def _template_helpers(app: Flask, registry: PluginRegistry) -> None:
    # Globals (not a context processor) so imported macros can call them too.
    def nav_items():
        return registry.nav_items(current_user) if current_user.is_authenticated else []

    def patient_alerts(patient):
        return registry.alerts(patient, current_user) if current_user.is_authenticated else []

    def patient_actions(patient, **context):
        if not current_user.is_authenticated:
            return []
        return registry.patient_actions(patient, current_user, context)

    # The top bar asks on every page: read the one setting each needs (from the
    # request's single read of the settings), not every letterhead detail.
    def clinic_name() -> str:
        from clinic.settings import clinic_detail

        return clinic_detail("clinic.name") or "Clinic"

    def clinic_logo_url() -> str:
        from clinic.settings import LOGO_KEY, has_setting

        return url_for("clinic_logo") if has_setting(LOGO_KEY) else ""

    from clinic.anatomy import region_label

    app.jinja_env.globals.update(
        nav_items=nav_items,
        patient_alerts=patient_alerts,
        patient_actions=patient_actions,
        clinic_name=clinic_name,
        clinic_logo_url=clinic_logo_url,
        core_version=__version__,
        idle_timeout_seconds=app.config["CLINIC_IDLE_TIMEOUT_MINUTES"] * 60,
        region_label=region_label,
    )
    app.jinja_env.filters["region"] = region_label
    from clinic.localtime import local_time, zone_or_error

    # A misspelt zone fails at start-up, not on the first page that shows a time.
    zone_or_error(app.config.get("CLINIC_TIME_ZONE") or "America/New_York")
    app.jinja_env.filters["local_time"] = local_time


def _error_pages(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        def handler(_error):
            return render_template(
                "errors/error.html", code=code, title=title, message=message
            ), code

        return handler

    app.register_error_handler(
        400,
        page(400, "That request could not be used", "Something in it was missing or malformed."),
    )
    app.register_error_handler(
        403,
        page(
            403,
            "Not available to your role",
            "Your account does not have access to this page. The attempt has been recorded.",
        ),
    )
    app.register_error_handler(404, page(404, "Not found", "There is nothing at this address."))
    app.register_error_handler(405, page(405, "Not allowed", "This page cannot be used that way."))
    app.register_error_handler(413, page(413, "Too large", "The upload is larger than allowed."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from clinic.audit.refusals import record_refusal_and_commit

        record_refusal_and_commit(
            "access.denied", outcome="denied", detail={"reason": "csrf", "path": request.path}
        )
        return render_template(
            "errors/error.html",
            code=400,
            title="This form has expired",
            message="Go back, reload the page and submit again.",
        ), 400

    @app.errorhandler(PdfError)
    def pdf_error(error):
        db.session.rollback()
        timed_out = isinstance(error, PdfTimeout)
        return render_template(
            "errors/error.html",
            code=503,
            title="The document could not be produced",
            message=(
                "It took too long to prepare. Try again in a moment; if it keeps happening, "
                "tell your administrator."
                if timed_out
                else "It was too large or could not be laid out. Nothing was changed; "
                "tell your administrator if it happens again."
            ),
        ), 503

    def unavailable_page(error):
        app.logger.warning("database unavailable: %s", getattr(error, "orig", error))
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.close()
        # Rendered without the context processors: Flask-Login's would load the
        # signed-in user, which needs the database again.
        page = app.jinja_env.get_template("errors/unavailable.html").render()
        response = make_response(page, 503)
        response.headers["Retry-After"] = "10"
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        # The database went away (restarted, connection cut, failover) or stayed busy
        # past the wait: the request's transaction is gone with it, so nothing of it
        # was stored.  Say so and ask to retry, instead of a 500 that suggests a bug.
        # SQLAlchemy has already marked the pool's connections stale on a disconnect,
        # and pool_pre_ping checks each one before the next request uses it.
        return unavailable_page(error)

    @app.errorhandler(500)
    def server_error(error):
        # Also reached when another error page needed the database and it had gone
        # (the CSRF page records the refusal): then this page could not be drawn
        # either, so say what is really wrong.
        original = getattr(error, "original_exception", None)
        if isinstance(original, OperationalError | InterfaceError):
            return unavailable_page(original)
        db.session.rollback()
        try:
            return render_template(
                "errors/error.html",
                code=500,
                title="Something went wrong",
                message="Nothing was saved. Please try again; if it happens "
                "again, tell your administrator.",
            ), 500
        except (OperationalError, InterfaceError) as lost:
            return unavailable_page(lost)

    @app.before_request
    def _remember_status():
        g.setdefault("session_status", None)
