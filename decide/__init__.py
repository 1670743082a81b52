"""Decide: a multilingual participatory-democracy platform."""

from flask import Flask
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from decide import cli
from decide import components
from decide.admin import views as admin_views
from decide.comments import views as comments_views
from decide.config import DEFAULT_CENSUS_KEY
from decide.config import DEFAULT_SECRET_KEY
from decide.config import Config
from decide.core import admin as core_admin
from decide.core import auth
from decide.core import database
from decide.core import html
from decide.core import i18n
from decide.core import security
from decide.core import views as core_views
from decide.core.models import User
from decide.core.permissions import safe_next
from decide.core.services import DomainError
from decide.extensions import babel
from decide.extensions import db
from decide.extensions import limiter
from decide.extensions import login_manager
from decide.extensions import migrate
from decide.moderation import admin as moderation_admin
from decide.moderation import views as moderation_views
from decide.notifications import views as notifications_views
from decide.spaces import admin as spaces_admin
from decide.spaces import views as spaces_views
from decide.verification import admin as verification_admin
from decide.verification import views as verification_views


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(Config.ROOT / "templates"),
        static_folder=str(Config.ROOT / "static"),
        instance_path=str(Config.INSTANCE_PATH),
    )
    app.config.from_object(Config)
    app.config.update(config or {})
    if app.config["ENV"] == "production":
        if app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
            raise RuntimeError("Set SECRET_KEY: production refuses to start with the demo secret.")
        if app.config["CENSUS_KEY"] == DEFAULT_CENSUS_KEY:
            raise RuntimeError("Set CENSUS_KEY: production refuses to start with the demo key.")

    _init_extensions(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    cli.init_app(app)
    return app


def _load_user(identity: str) -> User | None:
    """The session holds "<id>:<session token>", so a new password ends other sessions."""
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Config.ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to continue.")
    login_manager.login_message_category = "info"
    database.init_app(app)
    i18n.init_app(app)
    html.init_app(app)
    security.init_app(app)


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(core_views.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin_views.bp, url_prefix="/admin")
    admin_views.init_app(app)
    app.register_blueprint(core_admin.bp, url_prefix="/admin")
    core_admin.init_app(app)
    app.register_blueprint(spaces_views.bp)
    spaces_views.init_app(app)
    app.register_blueprint(spaces_admin.bp, url_prefix="/admin")
    spaces_admin.init_app(app)
    # Below the components in the dependency order (DESIGN.md §3): they work for any kind.
    app.register_blueprint(notifications_views.bp)
    notifications_views.init_app(app)
    app.register_blueprint(comments_views.bp)
    comments_views.init_app(app)
    app.register_blueprint(moderation_views.bp)
    moderation_views.init_app(app)
    app.register_blueprint(moderation_admin.bp, url_prefix="/admin")
    moderation_admin.init_app(app)
    app.register_blueprint(verification_views.bp)
    verification_views.init_app(app)
    app.register_blueprint(verification_admin.bp, url_prefix="/admin")
    verification_admin.init_app(app)
    components.init_app(app)


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error):
        return render_template("errors/429.html"), 429

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        known = error.code in (400, 403, 404, 405)
        template = f"errors/{error.code}.html" if known else "errors/generic.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        try:
            return render_template("errors/500.html"), 500
        except SQLAlchemyError:
            # The database itself is what failed: the page, without anything from it.
            db.session.rollback()
            i18n.work_offline()
            return render_template("errors/500.html"), 500

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        flash(error.message, "error")
        return redirect(safe_next(request.referrer, url_for("core.home")), 303)
