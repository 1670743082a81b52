"""Budgets: verified residents share out a budget by voting on projects.

The settings follow Decidim's budgets component (one voting rule of three, where residents
may vote, cancelling); the winner rules follow CONSUL (greedy) and the Method of Equal Shares.
"""

from flask_babel import lazy_gettext as _l

from decide.components import CommentRules
from decide.components import Manifest
from decide.components import Setting
from decide.components import verification_setting
from decide.components.budgets import models  # noqa: F401 - the tables
from decide.components.budgets import projects
from decide.components.budgets import results
from decide.components.budgets.admin import bp as admin_bp
from decide.components.budgets.cli import budgets as budgets_cli
from decide.components.budgets.views import bp
from decide.spaces.services import component_settings

VOTE_RULES = (
    ("minimum_percent", _l("Spend at least a share of the budget, never more than the total")),
    ("minimum_projects", _l("Choose at least a number of projects, never more than the total")),
    ("project_range", _l("Choose between a minimum and a maximum number of projects, "
                         "whatever they cost")),
)
VOTE_IN = (
    ("every", _l("In every budget of the component")),
    ("one", _l("In one budget of their choice")),
    ("district", _l("In their district's budget only")),
)
WINNER_RULES = (
    ("greedy", _l("Most votes first (greedy)")),
    ("equal_shares", _l("Method of Equal Shares")),
)
# The settings that make the voting rule: refused once a budget holds ballots.
VOTING_RULE_SETTINGS = ("vote_rule", "vote_minimum_percent", "vote_minimum_projects",
                        "vote_range_min", "vote_range_max", "vote_in")

SETTINGS = (
    Setting("vote_rule", "minimum_percent", str, label=_l("Voting rule"), choices=VOTE_RULES),
    Setting("vote_minimum_percent", 70, int, label=_l("Least share of the budget to spend (%)"),
            help=_l("With the first rule: a ballot must spend at least this share."),
            bounds=(0, 100)),
    Setting("vote_minimum_projects", 1, int, label=_l("Least number of projects"),
            help=_l("With the second rule: a ballot must hold at least this many projects."),
            bounds=(0, 1000)),
    Setting("vote_range_min", 1, int, label=_l("Fewest projects in a ballot"),
            help=_l("With the third rule."), bounds=(0, 1000)),
    Setting("vote_range_max", 3, int, label=_l("Most projects in a ballot"),
            help=_l("With the third rule."), bounds=(1, 1000)),
    Setting("vote_in", "every", str, label=_l("Residents vote"), choices=VOTE_IN),
    Setting("can_cancel", False, bool, label=_l("A checked-out vote may be cancelled"),
            help=_l("While voting is open, a resident may take back their ballot and vote "
                    "again.")),
    Setting("show_votes_after_voting", True, bool, label=_l("Show the votes once voting ends")),
    Setting("winner_rule", "greedy", str, label=_l("Winner rule"), choices=WINNER_RULES,
            help=_l("How the funded projects are chosen from the votes; it can be changed "
                    "until the winners are confirmed.")),
    Setting("minimum_age", 0, int, label=_l("Minimum age to vote"),
            help=_l("Checked against the census date of birth at checkout; 0: no minimum."),
            bounds=(0, 120)),
    verification_setting("vote", _l("Only residents verified against the census may vote"),
                         default=True),
    verification_setting("comment", _l("Only verified residents may comment")),
    Setting("comments_enabled", True, bool, label=_l("Comments enabled")),
)

PHASE_SETTINGS = (
    Setting("voting_enabled", False, bool, label=_l("Voting enabled")),
    Setting("show_votes", False, bool, label=_l("Show votes"),
            help=_l("The vote counts are shown now, even while voting is open.")),
    Setting("comments_blocked", False, bool, label=_l("Comments blocked"),
            help=_l("Comments stay visible; no new ones can be written.")),
)


def _comment_rules(project) -> CommentRules:
    """Comments on projects: on unless the component turns them off, blocked in a phase
    that says so, for verified residents only when the component asks it."""
    settings = component_settings(project.component)
    return CommentRules(enabled=settings["comments_enabled"],
                        blocked=settings["comments_blocked"], alignment=True,
                        verified_only=settings["verify_comment"])


manifest = Manifest(
    name="budgets",
    label=_l("Budgets"),
    public=bp,
    admin=admin_bp,
    admin_entry="index",
    settings=SETTINGS,
    phase_settings=PHASE_SETTINGS,
    actions=("vote", "comment"),
    comment_rules=_comment_rules,
    summary=projects.summary,
    stats=projects.stats,
    tasks=projects.tasks,
    has_participation=projects.has_participation,
    export=projects.export_rows,  # the staff export (CSV in the back office)
    cli=budgets_cli,
    check_settings=results.check_settings,
)
