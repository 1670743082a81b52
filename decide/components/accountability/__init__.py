"""Accountability: residents follow each selected project and accepted proposal until it is
done, and say whether it was done as promised.

The statuses, results, timelines and CSV files follow Decidim's accountability component;
the residents' confirmation ("Is it done as promised?") is Decide's own.
"""

from flask_babel import lazy_gettext as _l

from decide.components import CommentRules
from decide.components import Manifest
from decide.components import Setting
from decide.components import verification_setting
from decide.components.accountability import models  # noqa: F401 - the tables
from decide.components.accountability import services
from decide.components.accountability.admin import bp as admin_bp
from decide.components.accountability.views import bp
from decide.spaces.services import component_settings

SETTINGS = (
    Setting("comments_enabled", True, bool, label=_l("Comments enabled")),
    verification_setting("comment", _l("Only verified residents may comment")),
    verification_setting("confirm", _l("Only verified residents may say whether a result "
                                       "was done as promised")),
)

PHASE_SETTINGS = (
    Setting("comments_blocked", False, bool, label=_l("Comments blocked"),
            help=_l("Comments stay visible; no new ones can be written.")),
)


def _comment_rules(result) -> CommentRules:
    settings = component_settings(result.component)
    return CommentRules(enabled=settings["comments_enabled"],
                        blocked=settings["comments_blocked"],
                        verified_only=settings["verify_comment"])


manifest = Manifest(
    name="accountability",
    label=_l("Accountability"),
    public=bp,
    admin=admin_bp,
    admin_entry="index",
    settings=SETTINGS,
    phase_settings=PHASE_SETTINGS,
    actions=("comment", "confirm"),
    comment_rules=_comment_rules,
    summary=services.summary,
    stats=services.stats,
    has_participation=services.has_participation,
    export=services.export_rows,
)
