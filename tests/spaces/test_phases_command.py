"""`flask decide phases`: automatic phases switch on the organization's calendar day."""

import threading
import time
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from decide.cli import PHASES_LOCK
from decide.core.models import ActionLog
from decide.core.models import Organization
from decide.spaces.models import PhaseActivation


class FrozenClock(datetime):
    """datetime.now() at a fixed instant, in whatever zone it is asked for."""

    instant = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):
        return cls.instant.astimezone(tz) if tz else cls.instant.replace(tzinfo=None)


@pytest.fixture
def clock(monkeypatch):
    """Set the time the command sees: clock(datetime(..., tzinfo=UTC))."""
    monkeypatch.setattr("decide.spaces.services.datetime", FrozenClock)

    def set_to(instant: datetime) -> None:
        monkeypatch.setattr(FrozenClock, "instant", instant)

    return set_to


@pytest.fixture
def kolkata(db):
    """An organization at UTC+05:30 all year: its day starts at 18:30 UTC the day before."""
    organization = Organization(name="Pune", time_zone="Asia/Kolkata", default_locale="en",
                                available_locales=["en"])
    db.session.add(organization)
    db.session.commit()
    return organization


@pytest.fixture
def scheduled(create_process, create_phase, kolkata):
    """A process whose phases follow their dates: ideas until the 20th, then the vote."""
    process = create_process(slug="green-streets", title={"en": "Green Streets"},
                             start_date=date(2025, 3, 10), end_date=date(2025, 3, 31),
                             automatic_phases=True)
    ideas = create_phase(process, title={"en": "Ideas"}, start_date=date(2025, 3, 10),
                         end_date=date(2025, 3, 20))
    vote = create_phase(process, title={"en": "Vote"}, start_date=date(2025, 3, 21),
                        end_date=date(2025, 3, 31))
    return process, ideas, vote


def run(runner):
    result = runner.invoke(args=["decide", "phases"])
    assert result.exit_code == 0, result.output
    return result.output


def active_titles(db, process) -> list[str]:
    db.session.expire_all()
    return [phase.title["en"] for phase in process.phases if phase.active]


def activations(db, phase=None) -> int:
    query = select(func.count()).select_from(PhaseActivation)
    if phase is not None:
        query = query.where(PhaseActivation.phase_id == phase.id)
    return db.session.scalar(query)


def test_a_phase_ending_on_the_20th_is_open_all_that_day_in_the_organizations_zone(
    db, runner, clock, scheduled
):
    process, ideas, vote = scheduled
    clock(datetime(2025, 3, 20, 18, 29, tzinfo=UTC))  # 23:59 on the 20th in Kolkata

    output = run(runner)

    assert 'Green Streets: the phase "Ideas" is now active.' in output
    assert active_titles(db, process) == ["Ideas"]

    clock(datetime(2025, 3, 20, 18, 30, tzinfo=UTC))  # still the 20th in UTC, the 21st there

    output = run(runner)

    assert 'Green Streets: the phase "Vote" is now active.' in output
    assert "Ideas" not in output
    assert active_titles(db, process) == ["Vote"]


def test_running_twice_changes_nothing_and_records_each_activation_once(
    db, runner, clock, scheduled
):
    process, ideas, vote = scheduled
    clock(datetime(2025, 3, 25, 9, 0, tzinfo=UTC))

    run(runner)
    second = run(runner)

    assert second.strip() == "No phase to change."
    assert active_titles(db, process) == ["Vote"]
    assert activations(db, vote) == 1
    assert activations(db) == 1
    row = db.session.scalars(select(PhaseActivation)).one()
    assert (row.process_id, row.activated_by_id) == (process.id, None)
    assert row.notified_at is not None  # the same run told the followers (notifications)
    logged = db.session.scalars(select(ActionLog).where(ActionLog.action == "activate")).all()
    assert [(entry.user_id, entry.resource_id, entry.process_id) for entry in logged] == [
        (None, vote.id, process.id)
    ]


def test_before_the_first_phase_and_after_the_last_nothing_changes(
    db, runner, clock, create_phase, scheduled
):
    process, ideas, vote = scheduled
    clock(datetime(2025, 3, 9, 12, 0, tzinfo=UTC))
    assert run(runner).strip() == "No phase to change."
    assert active_titles(db, process) == []

    clock(datetime(2025, 3, 31, 12, 0, tzinfo=UTC))
    run(runner)
    clock(datetime(2025, 4, 2, 12, 0, tzinfo=UTC))  # the vote stays the active phase
    assert run(runner).strip() == "No phase to change."
    assert active_titles(db, process) == ["Vote"]
    assert activations(db) == 1


def test_processes_without_automatic_phases_are_untouched(
    db, runner, clock, kolkata, create_process, create_phase
):
    clock(datetime(2025, 3, 15, 12, 0, tzinfo=UTC))
    manual = create_process(start_date=date(2025, 3, 1), end_date=date(2025, 3, 31))
    first = create_phase(manual, active=True, start_date=date(2025, 3, 1),
                         end_date=date(2025, 3, 10))
    create_phase(manual, start_date=date(2025, 3, 11), end_date=date(2025, 3, 31))

    assert run(runner).strip() == "No phase to change."

    db.session.expire_all()
    assert [phase.id for phase in manual.phases if phase.active] == [first.id]
    assert activations(db) == 0
    assert db.session.scalar(select(func.count()).select_from(ActionLog)) == 0


def test_overlapping_phases_do_not_take_turns(db, runner, clock, kolkata, create_process,
                                              create_phase):
    """Where two phases contain today, the active one stays; with none active, the first."""
    clock(datetime(2025, 3, 12, 12, 0, tzinfo=UTC))
    process = create_process(start_date=date(2025, 3, 1), end_date=date(2025, 3, 31),
                             automatic_phases=True)
    first = create_phase(process, title={"en": "First"}, start_date=date(2025, 3, 1),
                         end_date=date(2025, 3, 15))
    create_phase(process, title={"en": "Second"}, start_date=date(2025, 3, 10),
                 end_date=date(2025, 3, 20))

    for _ in range(3):
        run(runner)

    assert active_titles(db, process) == ["First"]
    assert activations(db, first) == 1
    assert activations(db) == 1


def test_each_process_follows_its_own_phases(db, runner, clock, kolkata, create_process,
                                             create_phase, scheduled):
    process, ideas, vote = scheduled
    other = create_process(title={"en": "Parks"}, start_date=date(2025, 3, 1),
                           end_date=date(2025, 3, 31), automatic_phases=True)
    create_phase(other, title={"en": "Early"}, active=True, start_date=date(2025, 3, 1),
                 end_date=date(2025, 3, 12))
    create_phase(other, title={"en": "Late"}, start_date=date(2025, 3, 13),
                 end_date=date(2025, 3, 31))
    clock(datetime(2025, 3, 12, 12, 0, tzinfo=UTC))

    output = run(runner)

    assert output.strip() == 'Green Streets: the phase "Ideas" is now active.'
    assert active_titles(db, other) == ["Early"]


@pytest.fixture
def postgresql_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE) without a lock")


def test_a_run_waits_while_another_one_holds_the_lock(app, db, clock, scheduled,
                                                       postgresql_only):
    process, ideas, vote = scheduled
    clock(datetime(2025, 3, 25, 9, 0, tzinfo=UTC))
    outputs = []

    def second_run():
        runner = app.test_cli_runner()
        outputs.append(runner.invoke(args=["decide", "phases"]).output)

    with db.engine.connect() as other:
        other.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PHASES_LOCK})
        worker = threading.Thread(target=second_run)
        worker.start()
        time.sleep(0.5)
        waiting = worker.is_alive()
        assert activations(db) == 0
        other.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PHASES_LOCK})
        other.commit()
    worker.join(10)

    assert waiting
    assert outputs == ['Green Streets: the phase "Vote" is now active.\n']
    assert activations(db) == 1
