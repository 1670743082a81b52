"""Proposals: residents propose, support, endorse; staff answer.

The settings and their defaults are Decidim's (decidim-proposals `component.rb`).
"""

from flask import g
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from decide.components import CommentRules
from decide.components import Manifest
from decide.components import Setting
from decide.components import Task
from decide.components import verification_setting
from decide.components.proposals.admin import bp as admin_bp
from decide.components.proposals.answers import export_rows
from decide.components.proposals.models import Endorsement
from decide.components.proposals.models import Proposal
from decide.components.proposals.models import Support
from decide.components.proposals.views import bp
from decide.core.i18n import translate
from decide.extensions import db
from decide.spaces.models import Component
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Role
from decide.spaces.services import component_settings

SETTINGS = (
    Setting("support_limit", 0, int, label=_l("Supports per participant"),
            help=_l("How many proposals each participant may support here; 0: no limit."),
            bounds=(0, 1000)),
    Setting("threshold_per_proposal", 0, int, label=_l("Supports a proposal needs"),
            help=_l("The threshold of supports; followers are told when a proposal reaches "
                    "it. 0: no threshold."),
            bounds=(0, 1_000_000)),
    Setting("can_accumulate_supports_beyond_threshold", False, bool,
            label=_l("Supports may go beyond the threshold"),
            help=_l("When not ticked, a proposal that reached the threshold takes no more "
                    "supports.")),
    Setting("minimum_supports_per_user", 0, int, label=_l("Minimum supports per participant"),
            help=_l("A participant's supports count only once they have given this many; "
                    "0: they count at once."),
            bounds=(0, 1000)),
    Setting("proposal_limit", 0, int, label=_l("Proposals per participant"),
            help=_l("How many proposals each participant may publish here (withdrawn ones "
                    "do not count); 0: no limit."),
            bounds=(0, 1000)),
    Setting("proposal_length", 500, int, label=_l("Longest proposal text"),
            help=_l("The most characters the text of a proposal may have."),
            bounds=(15, 10_000)),
    Setting("proposal_edit_time", 5, int, label=_l("Minutes to edit after publishing"),
            help=_l("How long authors may correct a published proposal; 0: as long as it "
                    "has no published answer."),
            bounds=(0, 525_600)),
    Setting("official_proposals_enabled", True, bool, label=_l("Official proposals enabled"),
            help=_l("Staff may publish proposals in the name of the council.")),
    Setting("answers_enabled", True, bool, label=_l("Answers enabled"),
            help=_l("Staff and valuators may answer proposals.")),
    Setting("comments_enabled", True, bool, label=_l("Comments enabled")),
    verification_setting("create", _l("Only verified residents may write proposals")),
    verification_setting("support", _l("Only verified residents may support")),
    verification_setting("comment", _l("Only verified residents may comment")),
)

PHASE_SETTINGS = (
    Setting("creation_enabled", False, bool, label=_l("Participants may write proposals")),
    Setting("supports_enabled", False, bool, label=_l("Supports enabled")),
    Setting("supports_blocked", False, bool, label=_l("Supports blocked"),
            help=_l("The supports stay visible but can no longer be given or withdrawn.")),
    Setting("supports_hidden", False, bool, label=_l("Supports hidden"),
            help=_l("Participants can support, but the counts are not shown.")),
    Setting("comments_blocked", False, bool, label=_l("Comments blocked"),
            help=_l("Comments stay visible; no new ones can be written.")),
    Setting("endorsements_enabled", False, bool, label=_l("Endorsements enabled")),
    Setting("answers_with_costs", False, bool, label=_l("Answers with costs"),
            help=_l("An accepted proposal's answer carries its cost and execution period.")),
    Setting("publish_answers_immediately", True, bool,
            label=_l("Publish answers immediately"),
            help=_l("When not ticked, answers are kept until staff publish them together.")),
)


def _counts_of_process(process) -> dict[int, int]:
    """The published proposals of every proposals component of the process, in one query,
    kept for the request (the process page asks each component for its summary)."""
    cache = g.setdefault("proposals_by_process", {})
    if process.id not in cache:
        ids = [c.id for c in process.components if c.manifest_name == "proposals"]
        cache[process.id] = dict(db.session.execute(
            select(Proposal.component_id, func.count(Proposal.id))
            .where(Proposal.component_id.in_(ids), Proposal.published_at.is_not(None),
                   Proposal.hidden_at.is_(None))
            .group_by(Proposal.component_id)
        ).all()) if ids else {}
    return cache[process.id]


def _summary(component) -> str:
    number = _counts_of_process(component.process).get(component.id, 0)
    return ngettext("%(num)d proposal", "%(num)d proposals", number)


def _stats(components) -> dict[int, dict]:
    ids = [component.id for component in components]

    def per_component(query) -> dict[int, int]:
        return dict(db.session.execute(
            query.where(Proposal.component_id.in_(ids)).group_by(Proposal.component_id)
        ).all())

    proposals = per_component(
        select(Proposal.component_id, func.count(Proposal.id))
        .where(Proposal.published_at.is_not(None), Proposal.hidden_at.is_(None)))
    supports = per_component(
        select(Proposal.component_id, func.count(Support.id))
        .join(Proposal, Proposal.id == Support.proposal_id))
    endorsements = per_component(
        select(Proposal.component_id, func.count(Endorsement.id))
        .join(Proposal, Proposal.id == Endorsement.proposal_id))
    return {id_: {_l("Proposals"): proposals.get(id_, 0), _l("Supports"): supports.get(id_, 0),
                  _l("Endorsements"): endorsements.get(id_, 0)} for id_ in ids}


def _tasks(user) -> list[Task]:
    """Published proposals without an answer, per component: all of them in the processes
    the user administers, and those assigned to them as a valuator."""
    waiting = (
        select(Proposal.component_id, func.count(Proposal.id).label("count"))
        # What the back office lists as "Not answered", where the link leads.
        .where(Proposal.published_at.is_not(None), Proposal.withdrawn_at.is_(None),
               Proposal.state.is_(None))
        .group_by(Proposal.component_id)
    )
    if not user.admin:
        def processes(role):
            return select(ProcessRole.process_id).where(ProcessRole.user_id == user.id,
                                                        ProcessRole.role == role)

        waiting = waiting.join(Component, Component.id == Proposal.component_id).where(
            or_(Component.process_id.in_(processes(Role.PROCESS_ADMIN)),
                and_(Proposal.valuator_id == user.id,
                     Component.process_id.in_(processes(Role.VALUATOR)))))
    waiting = waiting.subquery()
    query = (
        select(Component, waiting.c.count)
        .join(waiting, waiting.c.component_id == Component.id)
        .join(Component.process)
        .options(contains_eager(Component.process))
        .order_by(Process.start_date.desc(), Process.id, Component.weight, Component.id)
    )
    return [
        Task(_("Proposals waiting for an answer in %(process)s: %(component)s",
               process=translate(component.process.title), component=translate(component.name)),
             url_for("proposals_admin.index", slug=component.process.slug,
                     component_id=component.id, state="not_answered"),
             count)
        for component, count in db.session.execute(query).all()
    ]


def _has_participation(component) -> bool:
    """Any proposal, even a draft: deleting the component would lose a resident's work."""
    return db.session.scalar(
        select(Proposal.id).where(Proposal.component_id == component.id).limit(1)
    ) is not None


def _search_text(proposal) -> str:
    return f"{proposal.title}\n{proposal.body}"


def _comment_rules(proposal) -> CommentRules:
    settings = component_settings(proposal.component)
    return CommentRules(
        enabled=settings["comments_enabled"],
        blocked=(settings["comments_blocked"] or not proposal.is_published
                 or proposal.is_withdrawn),
        alignment=True,
        verified_only=settings["verify_comment"],
    )


manifest = Manifest(
    name="proposals",
    label=_l("Proposals"),
    public=bp,
    admin=admin_bp,
    settings=SETTINGS,
    phase_settings=PHASE_SETTINGS,
    actions=("create", "support", "comment"),
    summary=_summary,
    stats=_stats,
    tasks=_tasks,
    has_participation=_has_participation,
    seed=None,  # the demo city writes its proposals (decide/demo)
    export=export_rows,  # the staff export (CSV and JSON in the back office)
    search_text=_search_text,
    comment_rules=_comment_rules,
)
