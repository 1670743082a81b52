"""The back office of a debates component: the list, official debates (new, edit, delete
while nobody has commented) and the closing of any debate with a conclusion."""

from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy import select

from decide.admin.views import register_log_sentences
from decide.components.debates import services
from decide.components.debates.forms import OfficialCloseForm
from decide.components.debates.forms import OfficialDebateForm
from decide.components.debates.models import Debate
from decide.core.forms import ActionForm
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.core.i18n import translate
from decide.extensions import db
from decide.spaces.models import Scope
from decide.spaces.views import MAX_ID
from decide.spaces.views import component_admin_blueprint

bp = component_admin_blueprint("debates", __name__)

DEBATE = f"<int(max={MAX_ID}):debate_id>"
PAGE_SIZE = 50

LOG_SENTENCES = {
    ("hide", "debate"): _l("%(who)s hid the debate %(what)s"),
    ("unhide", "debate"): _l("%(who)s showed the debate %(what)s again"),
    ("dismiss_reports", "debate"): _l("%(who)s dismissed the reports of the debate %(what)s"),
    ("create", "debate"): _l("%(who)s created the debate %(what)s"),
    ("update", "debate"): _l("%(who)s edited the debate %(what)s"),
    ("close", "debate"): _l("%(who)s closed the debate %(what)s"),
    ("delete", "debate"): _l("%(who)s deleted the debate %(what)s"),
}


def load_debate(debate_id: int) -> Debate:
    """Any debate of this component, hidden ones too; another component's is 404."""
    debate = db.session.scalars(
        select(Debate).where(Debate.id == debate_id, Debate.component_id == g.component.id)
    ).first()
    if debate is None:
        abort(404)
    return debate


def done(message: str):
    flash(message, "success")
    return redirect(url_for(".index"))


@bp.route("/")
def index():
    total = db.session.scalar(
        select(func.count(Debate.id)).where(Debate.component_id == g.component.id)
    )
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page_number(), pages)
    debates = db.session.scalars(
        select(Debate).where(Debate.component_id == g.component.id)
        .order_by(Debate.created_at.desc(), Debate.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template("components/debates/admin/index.html", debates=debates,
                           total=total, page=page, pages=pages,
                           commented=services.commented_ids(debates))


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = OfficialDebateForm(g.process, Scope.ordered())
    if form.validate_on_submit() and saved(form, services.create_debate, g.component,
                                           **form.values()):
        return done(_("The debate is published."))
    return render_form("components/debates/admin/form.html", form, debate=None)


@bp.route(f"/{DEBATE}", methods=["GET", "POST"])
def edit(debate_id: int):
    debate = load_debate(debate_id)
    if not services.can_admin_edit_debate(current_user, debate):
        abort(403)
    form = OfficialDebateForm(g.process, Scope.ordered(), debate=debate)
    if form.validate_on_submit() and saved(form, services.update_debate, debate,
                                           **form.values()):
        return done(_("The debate is saved."))
    return render_form("components/debates/admin/form.html", form, debate=debate)


@bp.route(f"/{DEBATE}/close", methods=["GET", "POST"])
def close(debate_id: int):
    debate = load_debate(debate_id)
    form = OfficialCloseForm(data={"conclusion": debate.conclusion or {}})
    if form.validate_on_submit() and saved(form, services.close_debate, debate,
                                           form.conclusion.data):
        return done(_("The debate is closed."))
    return render_form("components/debates/admin/close.html", form, debate=debate)


@bp.route(f"/{DEBATE}/delete", methods=["GET", "POST"])
def delete(debate_id: int):
    debate = load_debate(debate_id)
    if not services.can_admin_edit_debate(current_user, debate):
        abort(403)
    form = ActionForm()
    if form.validate_on_submit() and saved(form, services.delete_debate, debate):
        return done(_("The debate is deleted."))
    return render_form("components/debates/admin/delete.html", form, debate=debate,
                       deletable=services.can_delete_debate(current_user, debate),
                       question=_("Delete the debate “%(title)s”? This cannot be undone.",
                                  title=translate(debate.title)))


@bp.record_once
def _register(state) -> None:
    app = state.app
    register_log_sentences(app, LOG_SENTENCES, actions={"close": _l("Closed")},
                           resource_types={"debate": _l("Debate")})
    app.jinja_env.globals.update(
        can_create_debate=services.can_create_debate,
        can_edit_debate=services.can_edit_debate,
        can_close_debate=services.can_close_debate,
        can_admin_edit_debate=services.can_admin_edit_debate,
        can_delete_debate=services.can_delete_debate,
        debate_status=services.debate_status,
    )
