"""Budgets, after the vote: when results are public, vote counts and ranks, the winners
under the component's winner rule, confirming them, the published ballots and receipts, and
the exports (CSV, pabulib .pb) and the .pb import for recounts."""

import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.core import get_global
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists
from sqlalchemy import insert
from sqlalchemy import select

from decide.components import get_manifest
from decide.components.budgets import rules
from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import OrderLine
from decide.components.budgets.models import Project
from decide.components.budgets.pabulib import PbError
from decide.components.budgets.pabulib import PbFile
from decide.components.budgets.pabulib import parse_pb
from decide.components.budgets.pabulib import write_pb
from decide.core.i18n import current_organization
from decide.core.i18n import default_locale
from decide.core.i18n import translate
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.services import DomainError
from decide.core.services import record_action
from decide.core.spreadsheets import spreadsheet_safe
from decide.extensions import db
from decide.spaces.models import Component
from decide.spaces.models import Process
from decide.spaces.services import add_component
from decide.spaces.services import component_settings

PROJECT_CODE_LENGTH = 64  # Project.code


def voting_open(budget: Budget) -> bool:
    """Ballots can be changed and checked out now."""
    return not budget.is_closed and bool(component_settings(budget.component)["voting_enabled"])


def voting_ended(budget: Budget) -> bool:
    """Voting is over: the budget is closed, or voting is off now and was on in an earlier
    phase of the process (before the vote, voting is off too, but nothing has ended)."""
    if budget.is_closed:
        return True
    component = budget.component
    if component_settings(component)["voting_enabled"]:
        return False
    for phase in component.process.phases:  # in order
        if phase.active:
            return False
        if (component.phase_settings or {}).get(str(phase.id), {}).get("voting_enabled"):
            return True
    return False


def votes_shown(budget: Budget) -> bool:
    """Vote counts may be shown now: the phase says so, or voting is over and the component
    shows votes after voting."""
    settings = component_settings(budget.component)
    return bool(settings["show_votes"]
                or (settings["show_votes_after_voting"] and voting_ended(budget)))


def results_public(budget: Budget) -> bool:
    """Results, winners, the anonymous ballots and the receipts list are published."""
    return voting_ended(budget) and votes_shown(budget)


# What a receipt code is compared on: spaces and dashes do not count, nor the letter case.
RECEIPT_SEPARATORS = re.compile(r"[\s-]+")


def receipt_hash(code: str) -> str:
    """The SHA-256 (hex) a receipt code is kept and published as; the code is never stored."""
    normalized = RECEIPT_SEPARATORS.sub("", (code or "").upper())
    return hashlib.sha256(normalized.encode()).hexdigest()


# --- vote counts, ranks and winners -------------------------------------------------------

@dataclass(frozen=True)
class ProjectResult:
    """A row of the results table: `rank` 1 + the projects with more votes (equal votes
    share a rank); `selected`: funded — the confirmed winners once staff confirm them, the
    winners under the rule before."""

    project: Project
    votes: int
    rank: int
    selected: bool


@dataclass(frozen=True)
class PublishedBallot:
    """A checked-out ballot as published: its random name and the projects in it (their
    references); the receipt hash only when the budget links receipts to ballots."""

    name: str
    projects: list[str]
    receipt_hash: str | None = None


def winner_rule(budget: Budget) -> str:
    return component_settings(budget.component)["winner_rule"]


def describe_rule(budget: Budget) -> str:
    """The budget's winner rule with its options, in plain words: printed with its results
    for residents and staff alike, so both read the same sentence."""
    if winner_rule(budget) != "equal_shares":
        return _("Most votes first (greedy): projects by votes, highest first, each funded "
                 "when it still fits in the money left.")
    stop = (_("everyone's share raised (Add1) until no other project fits")
            if budget.add1_stops_when_exhaustive
            else _("everyone's share raised (Add1) as long as the outcome fits the budget"))
    then = (_("then the money left goes to the most voted projects that fit")
            if budget.greedy_completion else _("the money left stays unspent"))
    return _("Method of Equal Shares, %(stop)s; %(then)s.", stop=stop, then=then)


def _projects(budget: Budget) -> list[Project]:
    return list(db.session.scalars(select(Project).where(Project.budget_id == budget.id)))


def _checked_out(budget: Budget):
    return (Order.budget_id == budget.id, Order.checked_out_at.is_not(None))


def _ballot_rows(budget: Budget, *columns):
    """(order id, *columns, project code, project id) of every checked-out ballot, in the
    random order of their ballot keys; a ballot without projects has one row of Nones."""
    return db.session.execute(
        select(Order.id, *columns, Project.code, Project.id)
        .outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .outerjoin(Project, Project.id == OrderLine.project_id)
        .where(*_checked_out(budget))
        .order_by(Order.ballot_key, Order.id)
    ).all()


def _grouped(rows) -> dict[int, tuple[tuple, list[str]]]:
    """{order id: (its other columns, the sorted references of its projects)}."""
    ballots: dict[int, tuple[tuple, list[str]]] = {}
    for order_id, *columns, code, project_id in rows:
        _columns, chosen = ballots.setdefault(order_id, (tuple(columns), []))
        if project_id is not None:
            chosen.append(code or str(project_id))
    for _columns, chosen in ballots.values():
        chosen.sort(key=rules.id_key)
    return ballots


def ballots_of(budget: Budget) -> list[list[str]]:
    """The project references of every checked-out ballot (online and paper), in one query.
    A ballot without projects is there too (it holds a share under Equal Shares)."""
    return [chosen for _columns, chosen in _grouped(_ballot_rows(budget)).values()]


def _outcome(budget: Budget, projects: list[Project], rule: str) -> rules.Outcome:
    costs = [(project.reference, project.amount) for project in projects]
    if rule == "greedy":
        return rules.greedy(costs, {p.reference: p.votes_count for p in projects}, budget.total)
    if rule == "equal_shares":
        return rules.equal_shares(
            costs, ballots_of(budget), budget.total,
            add1_stop_when_exhaustive=budget.add1_stops_when_exhaustive,
            greedy_completion=budget.greedy_completion)
    raise ValueError(f"unknown winner rule {rule!r}")


def compute_winners(budget: Budget, rule: str | None = None) -> rules.Outcome:
    """The winners under `rule` ("greedy" or "equal_shares"; by default the component's
    winner rule), named by their references. Equal Shares uses the budget's two options."""
    return _outcome(budget, _projects(budget), rule or winner_rule(budget))


def _funded(budget: Budget, projects: list[Project]) -> set[str]:
    """The references of the funded projects: confirmed, or under the rule until then."""
    if budget.winners_confirmed_at is not None:
        return {project.reference for project in projects if project.is_selected}
    return set(_outcome(budget, projects, winner_rule(budget)).winners)


def project_results(budget: Budget) -> list[ProjectResult]:
    """Every project with its votes, rank and whether it is funded, in the greedy rule's
    order (most votes, then lower cost, then lower id); a fixed number of queries."""
    projects = _projects(budget)
    funded = _funded(budget, projects)
    projects.sort(key=lambda p: (-p.votes_count, p.amount, rules.id_key(p.reference)))
    rows, rank = [], 0
    for position, project in enumerate(projects, start=1):
        if position == 1 or project.votes_count != projects[position - 2].votes_count:
            rank = position
        rows.append(ProjectResult(project, project.votes_count, rank,
                                  project.reference in funded))
    return rows


def can_confirm_winners(budget: Budget) -> bool:
    return voting_ended(budget) and budget.winners_confirmed_at is None


def confirm_winners(actor: User, budget: Budget) -> rules.Outcome:
    """Mark the winners under the component's rule as selected (the others not), once
    voting has ended; only once."""
    # Two staff confirming at once: the second waits here, then sees the first's.
    db.session.execute(select(Budget).where(Budget.id == budget.id)
                       .with_for_update(of=Budget)
                       .execution_options(populate_existing=True))
    if not voting_ended(budget):
        raise DomainError(_("The winners can be confirmed once voting has ended."))
    if budget.winners_confirmed_at is not None:
        raise DomainError(_("The winners of this budget are already confirmed."))
    rule = winner_rule(budget)
    projects = _projects(budget)
    outcome = _outcome(budget, projects, rule)
    now = utcnow()
    winners = set(outcome.winners)
    for project in projects:
        project.selected_at = now if project.reference in winners else None
    budget.winners_confirmed_at = now
    details = {"rule": rule, "winners": list(outcome.winners), "total": outcome.total_cost}
    if rule == "equal_shares":
        details.update(outcome.options)
    db.session.flush()
    record_action(actor, "confirm_winners", budget,
                  process_id=budget.component.process_id, details=details)
    return outcome


# --- the settings check -------------------------------------------------------------------

def check_settings(component: Component, new_settings: dict) -> None:
    """Refuse a change of the voting rule once a budget of the component holds a ballot (a
    draft counts), and a change of the winner rule once winners are confirmed."""
    from decide.components.budgets import VOTING_RULE_SETTINGS  # the manifest's own module

    manifest = get_manifest(component.manifest_name)

    def changed(name: str) -> bool:
        before = (component.settings or {}).get(name, manifest.setting(name).default)
        return new_settings.get(name, before) != before

    voting = [name for name in VOTING_RULE_SETTINGS if changed(name)]
    if voting and db.session.scalar(select(exists().where(
            Order.budget_id == Budget.id, Budget.component_id == component.id))):
        raise DomainError(_("Residents have already voted in a budget of this component: "
                            "the voting rule cannot change."), field=voting[0])
    if changed("winner_rule") and db.session.scalar(select(exists().where(
            Budget.component_id == component.id, Budget.winners_confirmed_at.is_not(None)))):
        raise DomainError(_("The winners of a budget of this component are confirmed: the "
                            "winner rule cannot change."), field="winner_rule")


# --- the published ballots and receipts ---------------------------------------------------

def anonymous_ballots(budget: Budget) -> list[PublishedBallot]:
    """Every checked-out ballot, without its voter, in the random order of the ballot keys
    (published only when `results_public`)."""
    linked = budget.receipts_linked
    ballots = _grouped(_ballot_rows(budget, Order.ballot_key, Order.receipt_hash))
    return [PublishedBallot(key or "", chosen, receipt if linked else None)
            for (key, receipt), chosen in ballots.values()]


def receipt_hashes(budget: Budget) -> list[str]:
    """The receipt hashes of the checked-out ballots, sorted by hash."""
    return list(db.session.scalars(
        select(Order.receipt_hash)
        .where(*_checked_out(budget), Order.receipt_hash.is_not(None))
        .order_by(Order.receipt_hash)))


def find_receipt(budget: Budget, code: str) -> bool:
    """Whether a checked-out ballot of the budget has this receipt code."""
    if not (code or "").strip():
        return False
    return bool(db.session.scalar(select(exists().where(
        *_checked_out(budget), Order.receipt_hash == receipt_hash(code)))))


# --- exports ------------------------------------------------------------------------------


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return out.getvalue()


def results_csv(budget: Budget) -> str:
    """The results table: project id, title in the reader's locale, cost, votes, rank,
    selected (1 funded, 0 not)."""
    return _csv(["project_id", "title", "cost", "votes", "rank", "selected"], (
        [row.project.reference, translate(row.project.title), row.project.amount, row.votes,
         row.rank, int(row.selected)] for row in project_results(budget)))


def ballots_csv(budget: Budget) -> str:
    """The anonymous ballots: name, projects (ids separated by commas), and the receipt
    hash only when the budget links them."""
    header = ["ballot", "projects"] + (["receipt_hash"] if budget.receipts_linked else [])
    return _csv(header, (
        [ballot.name, ",".join(ballot.projects)]
        + ([ballot.receipt_hash or ""] if budget.receipts_linked else [])
        for ballot in anonymous_ballots(budget)))


def _pb_day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _voting_dates(budget: Budget) -> tuple[date, date]:
    """The first and last day of the phases with voting enabled, else the process's."""
    component = budget.component
    process = component.process
    voting = [phase for phase in process.phases
              if (component.phase_settings or {}).get(str(phase.id), {}).get("voting_enabled")]
    if not voting:
        return process.start_date, process.end_date
    return min(p.start_date for p in voting), max(p.end_date for p in voting)


def _country() -> str:
    """The organization's country, from its time zone (pabulib writes it in English)."""
    territory = get_global("zone_territories").get(current_organization().time_zone)
    return Locale("en").territories.get(territory, "") if territory else ""


def _vote_limits(budget: Budget) -> dict[str, int]:
    settings = component_settings(budget.component)
    rule = settings["vote_rule"]
    if rule == "minimum_percent":
        least = -(-budget.total * settings["vote_minimum_percent"] // 100)  # ceiling
        return {"min_sum_cost": least, "max_sum_cost": budget.total}
    if rule == "minimum_projects":
        return {"min_length": max(settings["vote_minimum_projects"], 1),
                "max_sum_cost": budget.total}
    return {"min_length": max(settings["vote_range_min"], 1),
            "max_length": settings["vote_range_max"]}


def _pb_bool(value: bool) -> str:
    return "True" if value else "False"


def export_pb(budget: Budget) -> str:
    """The budget in pabulib's .pb format: META, the projects with their votes and whether
    they are funded, and the anonymous ballots under counters (never the voter)."""
    projects = _projects(budget)
    projects.sort(key=lambda p: (-p.votes_count, p.amount, rules.id_key(p.reference)))
    funded = _funded(budget, projects)
    ballots = ballots_of(budget)
    rule = winner_rule(budget)
    begin, end = _voting_dates(budget)
    process = budget.component.process
    meta = {"description": translate(budget.title), "country": _country(),
            "unit": current_organization().name, "subunit": translate(process.title),
            "instance": str(end.year)}
    if budget.scope is not None:
        meta["district"] = translate(budget.scope.name)
    meta.update({"date_begin": _pb_day(begin), "date_end": _pb_day(end),
                 "language": default_locale(), "currency": current_app.config["CURRENCY"],
                 **{key: str(value) for key, value in _vote_limits(budget).items()}})
    # An imported budget keeps what its file said where it said it.
    meta.update({str(key): str(value) for key, value in (budget.source or {}).items()})
    meta.update({"num_projects": str(len(projects)), "num_votes": str(len(ballots)),
                 "budget": str(budget.total), "vote_type": "approval"})
    meta.pop("add1_stops_when_exhaustive", None)
    meta.pop("greedy_completion", None)
    if rule == "equal_shares":
        meta["rule"] = "equalshares/add1"
        meta["add1_stops_when_exhaustive"] = _pb_bool(budget.add1_stops_when_exhaustive)
        meta["greedy_completion"] = _pb_bool(budget.greedy_completion)
    else:
        meta["rule"] = "greedy"
    rows = [{"project_id": p.reference, "cost": p.amount, "votes": p.votes_count,
             "name": translate(p.title), "selected": int(p.reference in funded)}
            for p in projects]
    votes = [{"voter_id": number, "vote": chosen}
             for number, chosen in enumerate(ballots, start=1)]
    return write_pb(meta, rows, votes)


# --- import for recounts ------------------------------------------------------------------

IMPORT_BATCH = 2000  # rows per INSERT of ballots and their lines


def _pb_flag(value: str) -> bool | None:
    value = value.strip().lower()
    return True if value in ("true", "1", "yes") else False if value in ("false", "0", "no") \
        else None


def _imported_settings(pb: PbFile) -> dict:
    """The component's settings read from META: the winner rule and the voting rule."""
    meta = pb.meta
    settings: dict = {}
    rule = meta.get("rule", "").strip().lower()
    if rule == "greedy":
        settings["winner_rule"] = "greedy"
    elif rule.startswith("equalshares"):
        settings["winner_rule"] = "equal_shares"

    def number(key: str) -> int | None:
        value = meta.get(key, "").strip()
        return int(value) if value.isdigit() else None

    if number("max_length") is not None:
        settings.update(vote_rule="project_range", vote_range_min=number("min_length") or 1,
                        vote_range_max=number("max_length"))
    elif number("min_sum_cost") is not None:
        settings.update(vote_rule="minimum_percent",
                        vote_minimum_percent=number("min_sum_cost") * 100 // pb.budget)
    elif number("min_length") is not None:
        settings.update(vote_rule="minimum_projects",
                        vote_minimum_projects=number("min_length"))
    manifest = get_manifest("budgets")
    cleaned = {}
    for name, value in settings.items():
        try:
            cleaned[name] = manifest.setting(name).clean(value)
        except ValueError:
            continue  # outside what Decide allows: the default
    if cleaned.get("vote_rule") == "project_range" and not (
            "vote_range_min" in cleaned and "vote_range_max" in cleaned
            and cleaned["vote_range_min"] <= cleaned["vote_range_max"]):
        for name in ("vote_rule", "vote_range_min", "vote_range_max"):
            cleaned.pop(name, None)
    return cleaned


def _check_importable(pb: PbFile) -> None:
    vote_type = pb.meta.get("vote_type", "approval").strip().lower()
    if vote_type != "approval":
        raise PbError(f"only approval votes can be imported, not {vote_type!r}",
                      pb.lines["meta"]["vote_type"])
    for project in pb.projects:
        if len(project["project_id"]) > PROJECT_CODE_LENGTH:
            raise PbError(f"a project id is longer than {PROJECT_CODE_LENGTH} characters",
                          pb.lines["projects"][project["project_id"]])


def votes_column_differences(pb: PbFile) -> list[tuple[str, str, int]]:
    """(project id, the file's `votes`, the ballots holding it) where they differ."""
    counted = rules.count_votes(pb.ballots)
    return [(p["project_id"], p["votes"], counted.get(p["project_id"], 0))
            for p in pb.projects
            if "votes" in p and p["votes"].strip() != str(counted.get(p["project_id"], 0))]


def import_pb(text: str, process: Process, *, name: str | None = None) -> Budget:
    """A closed budget made from a .pb file, in a new unpublished budgets component of the
    process: the file's projects (keeping their ids as codes) and its ballots, anonymous
    and checked out. The winner rule comes from META `rule`, the voting rule from its
    limits. A malformed file raises PbError before anything is written."""
    pb = parse_pb(text)
    _check_importable(pb)
    locale = default_locale()
    title = (name or pb.meta.get("description", "").strip()
             or f"{pb.meta.get('unit', '')} {pb.meta.get('instance', '')}".strip()
             or "pabulib")
    component = add_component(None, process, manifest_name="budgets", name={locale: title})
    component.settings = _imported_settings(pb)
    equal_shares = component.settings.get("winner_rule") == "equal_shares"
    stops = _pb_flag(pb.meta.get("add1_stops_when_exhaustive", ""))
    greedy_after = _pb_flag(pb.meta.get("greedy_completion", ""))
    budget = Budget(
        component=component, title={locale: title}, description={}, total=pb.budget,
        closed_at=utcnow(), source=dict(pb.meta),
        add1_stops_when_exhaustive=stops if stops is not None else not equal_shares,
        greedy_completion=greedy_after if greedy_after is not None else not equal_shares)
    db.session.add(budget)
    counted = rules.count_votes(pb.ballots)
    projects = {
        row["project_id"]: Project(
            budget=budget, component_id=component.id, code=row["project_id"],
            title={locale: row.get("name", "").strip() or row["project_id"]}, description={},
            amount=int(row["cost"]), votes_count=counted.get(row["project_id"], 0))
        for row in pb.projects}
    db.session.add_all(projects.values())
    db.session.flush()
    _insert_ballots(budget, {code: p.id for code, p in projects.items()}, pb.ballots)
    record_action(None, "import_pb", budget, process_id=process.id,
                  details={"projects": len(projects), "ballots": len(pb.votes)})
    return budget


def _insert_ballots(budget: Budget, project_ids: dict[str, int], ballots: list[list[str]]):
    """The ballots as checked-out orders without users, in bulk."""
    now = utcnow()
    orders = [{"budget_id": budget.id, "user_id": None, "identity_hash": secrets.token_hex(32),
               "channel": "online", "created_at": now, "checked_out_at": now,
               "receipt_hash": None, "ballot_key": secrets.token_hex(16)} for _ in ballots]
    for start in range(0, len(orders), IMPORT_BATCH):
        db.session.execute(insert(Order.__table__), orders[start:start + IMPORT_BATCH])
    order_ids = dict(db.session.execute(
        select(Order.ballot_key, Order.id).where(Order.budget_id == budget.id)).all())
    lines = [{"order_id": order_ids[order["ballot_key"]], "project_id": project_ids[code]}
             for order, chosen in zip(orders, ballots, strict=True) for code in chosen]
    for start in range(0, len(lines), IMPORT_BATCH):
        db.session.execute(insert(OrderLine.__table__), lines[start:start + IMPORT_BATCH])
