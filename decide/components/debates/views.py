"""Public pages of debates: the list, a debate with its comments, and the forms residents use
(a new debate when the phase allows it, an edit, the closing with a conclusion)."""

from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from sqlalchemy import select

from decide.comments.services import load_thread
from decide.components.debates import services
from decide.components.debates.forms import CloseForm
from decide.components.debates.forms import DebateForm
from decide.components.debates.models import Debate
from decide.core.forms import page_number
from decide.core.forms import render_form
from decide.core.forms import saved
from decide.extensions import db
from decide.notifications.services import is_following
from decide.spaces.models import Scope
from decide.spaces.services import can_see_resource
from decide.spaces.views import MAX_ID
from decide.spaces.views import component_blueprint

bp = component_blueprint("debates", __name__)

DEBATE = f"<int(max={MAX_ID}):debate_id>"


def load_debate(debate_id: int) -> Debate:
    """A debate of this component that the visitor may see (hidden: moderators only)."""
    debate = db.session.scalars(
        select(Debate).where(Debate.id == debate_id, Debate.component_id == g.component.id)
    ).first()
    if debate is None or not can_see_resource(current_user, debate):
        abort(404)
    return debate


def _int_arg(name: str) -> int | None:
    """An id from the address, or None when it is not one (or is beyond any id)."""
    value = request.args.get(name, "")
    if not (value.isascii() and value.isdigit() and len(value) < 12):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def read_filters(scopes) -> dict:
    """The filters of the list from the address (a GET form, so filtering works without
    JavaScript). Nothing fails whatever it holds: an unknown state, a category of another
    process or an unknown scope is left out, any text is searched as text."""
    state = request.args.get("state", "")
    category_id, scope_id = _int_arg("category"), _int_arg("scope")
    categories = g.process.categories
    if category_id not in {category.id for category in categories}:
        category_id = None
    return {
        "state": state if state in services.STATES else "",
        "category": category_id,
        "scope": scope_id if scope_id in {scope.id for scope in scopes} else None,
        "q": request.args.get("q", "").strip()[:200],
        # A main category finds its subcategories' debates too.
        "category_ids": None if category_id is None else [
            category.id for category in categories if category_id in (category.id,
                                                                    category.parent_id)
        ],
    }


@bp.route("/")
def index():
    scopes = Scope.ordered()
    chosen = read_filters(scopes)
    debates, total, page = services.find_debates(
        g.component, state=chosen["state"], category_ids=chosen["category_ids"],
        scope_id=chosen["scope"], text=chosen["q"], page=page_number(),
    )
    filters = {name: chosen[name] for name in ("state", "category", "scope", "q")
               if chosen[name]}
    return render_template(
        "components/debates/index.html", debates=debates, total=total, page=page,
        pages=max(1, -(-total // services.PAGE_SIZE)), filters=filters, chosen=chosen,
        scopes=scopes, states=services.STATES,
    )


@bp.route(f"/{DEBATE}")
def show(debate_id: int):
    debate = load_debate(debate_id)
    thread = load_thread(debate, current_user, request.args.get("order", "best"))
    following = current_user.is_authenticated and is_following(current_user, resource=debate)
    return render_template("components/debates/show.html", debate=debate, thread=thread,
                           following=following, status=services.debate_status(debate))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not services.can_create_debate(current_user, g.component):
        abort(403)
    form = DebateForm(g.process, Scope.ordered())
    if form.validate_on_submit():
        done = saved(form, services.create_debate, g.component, **form.values())
        if done:
            flash(_("Your debate is published."), "success")
            return redirect(url_for(".show", debate_id=done.result.id))
    return render_form("components/debates/form.html", form, debate=None)


@bp.route(f"/{DEBATE}/edit", methods=["GET", "POST"])
@login_required
def edit(debate_id: int):
    debate = load_debate(debate_id)
    if not services.can_edit_debate(current_user, debate):
        abort(403)
    form = DebateForm(g.process, Scope.ordered(), data={
        "title": next(iter(debate.title.values()), ""),
        "description": next(iter(debate.description.values()), ""),
        "category_id": debate.category_id, "scope_id": debate.scope_id,
    })
    if form.validate_on_submit() and saved(form, services.update_debate, debate,
                                             **form.values()):
        flash(_("Your debate is saved."), "success")
        return redirect(url_for(".show", debate_id=debate.id))
    return render_form("components/debates/form.html", form, debate=debate)


@bp.route(f"/{DEBATE}/close", methods=["GET", "POST"])
@login_required
def close(debate_id: int):
    debate = load_debate(debate_id)
    if not services.can_close_debate(current_user, debate):
        abort(403)
    form = CloseForm(data={"conclusion": next(iter((debate.conclusion or {}).values()), "")})
    if form.validate_on_submit() and saved(form, services.close_debate, debate,
                                             form.conclusion.data):
        flash(_("The debate is closed."), "success")
        return redirect(url_for(".show", debate_id=debate.id))
    return render_form("components/debates/close.html", form, debate=debate)
