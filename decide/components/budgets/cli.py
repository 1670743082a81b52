"""`flask decide budgets ...`: import a pabulib .pb file for a recount, print the winners."""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from decide.components.budgets import results
from decide.components.budgets.models import Budget
from decide.components.budgets.pabulib import PbError
from decide.components.budgets.pabulib import parse_pb
from decide.extensions import db
from decide.spaces.models import Process

budgets = AppGroup("budgets", help="Budgets: import pabulib .pb files, compute the winners.")

RULES = {"greedy": "greedy", "equal-shares": "equal_shares"}


@budgets.command("import-pb")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--process", "slug", required=True, help="The slug of the process to add it to.")
@click.option("--name", default=None, help="The budget's title (default: META description).")
def import_pb(file: Path, slug: str, name: str | None):
    """Create a closed budget from a pabulib .pb FILE, in a new unpublished budgets
    component of the process, with the file's projects and anonymous ballots; print its id.

    The winner rule comes from META `rule`: `greedy`, or `equalshares/add1` (Equal Shares,
    Add1 without the exhaustiveness stop, no greedy pass). A malformed file is refused with
    its line number, and nothing is imported."""
    process = db.session.scalar(select(Process).where(Process.slug == slug))
    if process is None:
        raise click.ClickException(f"No process has the slug {slug!r}.")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file}: not UTF-8 text ({error.reason}).") from error
    try:
        budget = results.import_pb(text, process, name=name)
    except PbError as error:
        db.session.rollback()
        raise click.ClickException(f"{file}, {error}. Nothing was imported.") from error
    for project_id, written, counted in results.votes_column_differences(parse_pb(text)):
        click.echo(f"Project {project_id}: the file's votes column says {written}, "
                   f"{counted} ballots hold it; the ballots count.", err=True)
    db.session.commit()
    click.echo(budget.id)


@budgets.command()
@click.argument("budget_id", type=int)
@click.option("--rule", type=click.Choice(sorted(RULES)), default=None,
              help="The winner rule (default: the component's).")
def winners(budget_id: int, rule: str | None):
    """Print the winners of budget BUDGET_ID (their project ids, in the order the rule chose
    them, one per line), then their total cost."""
    budget = db.session.get(Budget, budget_id)
    if budget is None:
        raise click.ClickException(f"No budget has the id {budget_id}.")
    outcome = results.compute_winners(budget, RULES[rule] if rule else None)
    for project_id in outcome.winners:
        click.echo(project_id)
    click.echo(outcome.total_cost)
