"""`flask decide budgets import-pb` and `flask decide budgets winners` on the real pabulib
files: Wieliczka's official Equal Shares result, Warsaw's greedy one, refusals."""

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from decide.components.budgets.models import Budget
from decide.components.budgets.models import Order
from decide.components.budgets.models import Project
from decide.components.budgets.pabulib import parse_pb
from decide.spaces.models import Component

DATA = Path(__file__).resolve().parents[2] / "data" / "pabulib"
WIELICZKA = DATA / "poland_wieliczka_2023_green-budget.pb"
PRZYWISLE = DATA / "poland_warszawa_2019_przywisle.pb"


def invoke(runner, *args):
    return runner.invoke(args=["decide", "budgets", *map(str, args)])


def import_file(runner, process, path) -> int:
    result = invoke(runner, "import-pb", path, "--process", process.slug)
    assert result.exit_code == 0, result.output
    return int(result.stdout.strip().splitlines()[-1])


def counts(db) -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Component, Budget, Project, Order))


def official(path: Path) -> tuple[set[str], int]:
    pb = parse_pb(path.read_text(encoding="utf-8"))
    chosen = {p["project_id"] for p in pb.projects if p["selected"] == "1"}
    return chosen, sum(int(p["cost"]) for p in pb.projects if p["project_id"] in chosen)


def test_wieliczka_with_the_rule_from_its_meta(runner, db, process):
    budget_id = import_file(runner, process, WIELICZKA)
    budget = db.session.get(Budget, budget_id)
    assert budget.component.process_id == process.id and budget.is_closed
    result = invoke(runner, "winners", budget_id)
    assert result.exit_code == 0, result.output
    *winners, total = result.stdout.strip().splitlines()
    chosen, cost = official(WIELICZKA)
    assert set(winners) == chosen and len(winners) == 30
    assert int(total) == cost == 995_079


def test_warsaw_greedy(runner, process):
    budget_id = import_file(runner, process, PRZYWISLE)
    chosen, cost = official(PRZYWISLE)
    for rule in ([], ["--rule", "greedy"]):
        result = invoke(runner, "winners", budget_id, *rule)
        assert result.exit_code == 0, result.output
        *winners, total = result.stdout.strip().splitlines()
        assert winners == ["198", "1330", "2041", "1255", "1442", "1831"]
        assert set(winners) == chosen and int(total) == cost
    result = invoke(runner, "winners", budget_id, "--rule", "equal-shares")
    *winners, _total = result.stdout.strip().splitlines()
    assert set(winners) != chosen


def test_a_malformed_file_is_refused_with_its_line(runner, db, process, tmp_path):
    text = PRZYWISLE.read_text(encoding="utf-8").replace("1330;152000", "1330;15x000")
    path = tmp_path / "broken.pb"
    path.write_text(text, encoding="utf-8")
    before = counts(db)
    result = invoke(runner, "import-pb", path, "--process", process.slug)
    assert result.exit_code != 0
    assert "line 23" in result.output and "Nothing was imported" in result.output
    assert counts(db) == before


def test_refusals(runner, db, process, tmp_path):
    before = counts(db)
    result = invoke(runner, "import-pb", PRZYWISLE, "--process", "no-such-process")
    assert result.exit_code != 0 and "no-such-process" in result.output
    binary = tmp_path / "binary.pb"
    binary.write_bytes(b"\xff\xfe\x00META")
    result = invoke(runner, "import-pb", binary, "--process", process.slug)
    assert result.exit_code != 0 and "UTF-8" in result.output
    result = invoke(runner, "import-pb", tmp_path / "missing.pb", "--process", process.slug)
    assert result.exit_code != 0
    assert counts(db) == before
    assert invoke(runner, "winners", 999).exit_code != 0
    assert invoke(runner, "winners", "abc").exit_code != 0
    result = invoke(runner, "winners", 1, "--rule", "borda")
    assert result.exit_code != 0


def test_a_votes_column_that_disagrees_is_reported(runner, process, tmp_path):
    text = PRZYWISLE.read_text(encoding="utf-8").replace(";618;", ";619;")
    path = tmp_path / "votes.pb"
    path.write_text(text, encoding="utf-8")
    result = invoke(runner, "import-pb", path, "--process", process.slug)
    assert result.exit_code == 0
    assert "Project 198" in result.stderr and "619" in result.stderr
    assert result.stdout.strip().isdigit()


@pytest.mark.nodb
def test_the_group_is_under_flask_decide(app):
    from decide.cli import decide

    assert "budgets" in decide.commands
    assert {"import-pb", "winners"} <= set(decide.commands["budgets"].commands)
