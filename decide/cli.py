"""The `flask decide` command group: everything an operator runs."""

import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy import text

from decide.config import ROOT
from decide.core.i18n import translate
from decide.core.mail import deliver_pending
from decide.demo import DEMO_ACCOUNTS
from decide.demo import load_demo
from decide.extensions import db
from decide.notifications.services import notify_phase_activations
from decide.notifications.services import send_digests
from decide.spaces.models import Phase
from decide.spaces.models import Process
from decide.spaces.services import activate_phases_by_date
from decide.spaces.services import today_here

decide = AppGroup("decide", help="Decide: demo data, phases, mail delivery, translations.")
i18n = AppGroup("i18n", help="Extract, update and compile the translation catalogs.")
decide.add_command(i18n)


@decide.command()
def demo():
    """Load the demo city (debug or DEMO_MODE only; running it twice changes nothing)."""
    if not (current_app.debug or current_app.config["DEMO_MODE"]):
        raise click.ClickException(
            "The demo city is only loaded in debug or demo mode (DEMO_MODE=1): "
            "it creates accounts with published passwords."
        )
    load_demo()
    db.session.commit()
    click.echo("Demo city ready. Demo accounts (e-mail / password):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email} / {account.password}    ({account.role})")


@decide.command()
@click.option("--loop", is_flag=True, help="Keep running, checking the outbox every interval.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between checks.")
def deliver(loop: bool, interval: float):
    """Send the e-mail waiting in the outbox."""
    while True:
        notify_phase_activations()  # phases activated from the back office since the last run
        db.session.commit()
        sent = deliver_pending()
        if sent:
            click.echo(f"sent {sent} message(s)")
        if not loop:
            break
        db.session.remove()
        time.sleep(interval)


# Any fixed number: the PostgreSQL advisory lock that lets one `phases` run at a time.
PHASES_LOCK = 7_311_001


def _active_phases() -> dict[int, int]:
    """{process id: active phase id} of the processes whose phases follow their dates."""
    return dict(db.session.execute(
        select(Phase.process_id, Phase.id).join(Process)
        .where(Process.automatic_phases.is_(True), Phase.active.is_(True))
    ).all())


@decide.command()
def phases():
    """Activate the phase whose dates contain today, in processes with automatic phases.

    Today is the organization's calendar day. Safe to run from cron every minute: a run
    that finds nothing to change changes nothing, and overlapping runs wait for each other.
    """
    if db.engine.dialect.name == "postgresql":
        # Held until the commit; SQLite gets the same from BEGIN IMMEDIATE.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PHASES_LOCK})
    before = _active_phases()
    activate_phases_by_date(today_here())
    changed = [phase for process_id, phase in _active_phases().items()
               if before.get(process_id) != phase]
    lines = [
        f'{translate(phase.process.title)}: the phase "{translate(phase.title)}" is now active.'
        for phase in db.session.scalars(
            select(Phase).where(Phase.id.in_(changed)).order_by(Phase.process_id)
        )
    ]
    notify_phase_activations()
    db.session.commit()
    click.echo("\n".join(lines) if lines else "No phase to change.")


@decide.command()
@click.argument("frequency", type=click.Choice(["daily", "weekly"]))
def digest(frequency: str):
    """E-mail the daily or weekly digest of notifications to those who chose it.

    Run it from cron once a day (daily) or once a week (weekly). Safe to re-run: each
    notification goes out once; the e-mails wait in the outbox for `flask decide deliver`.
    """
    notify_phase_activations()
    queued = send_digests(frequency)
    db.session.commit()
    click.echo(f"{queued} digest(s) queued.")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@i18n.command(with_appcontext=False)
@click.option("--output", "-o", default="translations/messages.pot", show_default=True,
              help="Where to write the template (relative to the project).")
def extract(output: str):
    """Extract the messages into translations/messages.pot."""
    (ROOT / "translations").mkdir(exist_ok=True)
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
             "-k", "lazy_ngettext:1,2", "--project", "Decide",
             "--copyright-holder", "Decide contributors", "--no-location",
             # Babel skips folders starting with "_" by default: templates/_macros counts.
             "--ignore-dirs", ".* __pycache__ node_modules",
             "--sort-output", "-o", output, ".")


@i18n.command("update", with_appcontext=False)
def update_catalogs():
    """Extract, then merge new messages into every catalog."""
    extract.callback(output="translations/messages.pot")
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-wrap",
             "--ignore-obsolete")


@i18n.command(with_appcontext=False)
def compile():  # noqa: A001 - the command's name
    """Compile the catalogs (.po to .mo)."""
    _pybabel("compile", "-d", "translations", "--statistics")


def init_app(app) -> None:
    app.cli.add_command(decide)
    for manifest in app.extensions["decide.components"].values():
        if manifest.cli is not None:  # a kind's own subgroup: `flask decide budgets ...`
            decide.add_command(manifest.cli)
