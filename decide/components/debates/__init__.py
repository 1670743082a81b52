"""Debates: a question put to residents, closed with a conclusion."""

from flask_babel import lazy_gettext as _l

from decide.components import Manifest
from decide.components import Setting
from decide.components import verification_setting
from decide.components.debates import models  # noqa: F401 - the tables
from decide.components.debates import services
from decide.components.debates.admin import bp as admin_bp
from decide.components.debates.views import bp

manifest = Manifest(
    name="debates",
    label=_l("Debates"),
    public=bp,
    admin=admin_bp,
    admin_entry="index",
    settings=(
        Setting("comments_enabled", True, label=_l("Comments enabled")),
        verification_setting("comment", _l("Only verified residents may comment")),
    ),
    phase_settings=(
        Setting("creation_enabled", False, label=_l("Residents can start debates")),
        Setting("comments_blocked", False,
                label=_l("Comments blocked (shown, but no new ones)")),
    ),
    summary=services.summary,
    stats=services.stats,
    has_participation=services.has_participation,
    export=services.export,
    search_text=services.search_text,
    comment_rules=services.comment_rules,
    actions=("comment",),
)
