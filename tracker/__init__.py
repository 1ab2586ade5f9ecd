"""Biosafety CB Tracker: capacity-building needs, offers, matches, activities and indicators."""
from pathlib import Path

from flask import Flask

from tracker.config import load_config
from tracker.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))

    from tracker.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)

    from tracker.accounts.views import bp as accounts_bp
    from tracker.activities.views import bp as activities_bp
    from tracker.assessments.uploads import bp as assessment_uploads_bp
    from tracker.assessments.views import bp as assessments_bp
    from tracker.audit.views import bp as audit_bp
    from tracker.core.views import register_core
    from tracker.framework.views import bp as framework_bp
    from tracker.indicators.dashboard_views import bp as dashboards_bp
    from tracker.indicators.entry_views import bp as indicator_entries_bp
    from tracker.indicators import freshness  # noqa: F401  (marks indicator values stale when their data change)
    from tracker.indicators.gaps_views import bp as gaps_bp
    from tracker.indicators.views import bp as indicators_bp
    from tracker.mail.views import bp as mail_bp
    from tracker.matching.views import bp as matching_bp
    from tracker.needs.views import bp as needs_bp
    from tracker.notifications.views import bp as notifications_bp
    from tracker.offers.views import bp as offers_bp
    from tracker.organisations.views import bp as organisations_bp
    from tracker.parties.views import bp as parties_bp
    from tracker.scheduler.views import bp as scheduler_bp
    from tracker.security import init_security

    init_security(app)
    register_core(app)
    for blueprint in (framework_bp, parties_bp, accounts_bp, organisations_bp, audit_bp, mail_bp,
                      assessments_bp, assessment_uploads_bp, activities_bp, offers_bp, needs_bp,
                      matching_bp, indicators_bp, indicator_entries_bp, gaps_bp, dashboards_bp, scheduler_bp,
                      notifications_bp):
        app.register_blueprint(blueprint)

    from tracker.api import init_api

    init_api(app)

    from tracker.commands import register_commands

    register_commands(app)
    return app
