"""Reading and writing pabulib .pb files: the real files of tests/data/pabulib, round trips,
quoting, columns found by name, and every malformed file refused with its line number."""

from pathlib import Path

import pytest

from decide.components.budgets.pabulib import PbError
from decide.components.budgets.pabulib import PbFile
from decide.components.budgets.pabulib import parse_pb
from decide.components.budgets.pabulib import write_pb

pytestmark = pytest.mark.nodb

DATA = Path(__file__).resolve().parents[2] / "data" / "pabulib"
FILES = sorted(path.name for path in DATA.glob("*.pb"))

GOOD = """META
key;value
description;A small test
budget;100
num_projects;2
num_votes;2
PROJECTS
project_id;cost;name
1;60;First
2;40;Second
VOTES
voter_id;vote
a;1,2
b;2
"""


def refused(text: str) -> PbError:
    with pytest.raises(PbError) as caught:
        parse_pb(text)
    return caught.value


def test_the_data_files_are_there():
    assert len(FILES) == 5


@pytest.mark.parametrize("name", FILES)
def test_real_files_parse_and_round_trip(name):
    text = (DATA / name).read_text(encoding="utf-8")
    pb = parse_pb(text)
    assert len(pb.projects) == int(pb.meta["num_projects"])
    assert len(pb.votes) == int(pb.meta["num_votes"])
    assert pb.budget == int(pb.meta["budget"])
    assert all(isinstance(vote["vote"], list) and vote["vote"] for vote in pb.votes)
    again = parse_pb(write_pb(pb.meta, pb.projects, pb.votes))
    assert again == pb
    assert again.project_costs == pb.project_costs and again.ballots == pb.ballots


def test_wieliczka_reads_by_names():
    pb = parse_pb((DATA / "poland_wieliczka_2023_green-budget.pb").read_text(encoding="utf-8"))
    assert pb.meta["rule"] == "equalshares/add1"
    assert pb.meta["currency"] == "PLN"
    assert pb.projects[0] == {"project_id": "24", "cost": "5000", "votes": "720",
                              "name": "Zakup 10 fotopułapek przeciwko śmieciarzom i dzikim "
                                      "wysypiskom", "selected": "1"}
    assert pb.budget == 1_000_000


def test_lodz_quoted_names_with_quotes_inside():
    pb = parse_pb((DATA / "poland_lodz_2020_wzniesien-lodzkich.pb").read_text(encoding="utf-8"))
    name = next(p["name"] for p in pb.projects if p["project_id"] == "B056WL")
    assert name.startswith('Doposażenie "Placu zabaw')
    assert pb.votes[2]["vote"] == ["B059WL", "B126WL"]


def test_columns_in_any_order_and_extra_columns():
    text = """META
value;key
100;budget
PROJECTS
name;cost;votes;project_id
"Semi; colon";10;3;p1
VOTES
vote;age;voter_id
p1;30;v1
"""
    pb = parse_pb(text)
    assert pb.meta == {"budget": "100"}
    assert pb.projects == [{"name": "Semi; colon", "cost": "10", "votes": "3",
                            "project_id": "p1"}]
    assert pb.votes == [{"vote": ["p1"], "age": "30", "voter_id": "v1"}]


def test_round_trip_of_made_data_with_quoting():
    meta = {"description": 'A "quoted" name; with a semicolon', "budget": "1000",
            "note": "two\nlines"}
    projects = [{"project_id": "1", "cost": "500", "name": "Ca;fé \"1\""},
                {"project_id": "x-2", "cost": "0", "name": ""}]
    votes = [{"voter_id": "7", "vote": ["1", "x-2"]}, {"voter_id": "8", "vote": []}]
    text = write_pb(meta, projects, votes)
    assert '"A ""quoted"" name; with a semicolon"' in text
    assert "7;1,x-2" in text  # commas are not the delimiter: not quoted
    assert parse_pb(text) == PbFile(meta, projects, votes)


def test_write_pb_values_as_text():
    text = write_pb({"budget": 100, "flag": True}, [{"project_id": 1, "cost": 100,
                                                      "selected": False}],
                    [{"voter_id": 1, "vote": ("1",)}])
    pb = parse_pb(text)
    assert pb.meta == {"budget": "100", "flag": "1"}
    assert pb.projects == [{"project_id": "1", "cost": "100", "selected": "0"}]
    assert text.splitlines()[:3] == ["META", "key;value", "budget;100"]


def test_bom_crlf_and_blank_lines_are_fine():
    text = "\ufeff" + GOOD.replace("\n", "\r\n").replace("PROJECTS", "\r\nPROJECTS")
    assert parse_pb(text) == parse_pb(GOOD)


def lines_of(text: str, number: int, replacement: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = replacement
    return "\n".join(lines)


@pytest.mark.parametrize("text, line, words", [
    ("", 1, "META is missing"),
    ("PROJECTS\n", 1, "section PROJECTS found where META"),
    ("budget;100\n", 1, "must start with the META"),
    (GOOD.split("VOTES")[0], 10, "VOTES is missing"),
    (GOOD.replace("VOTES\nvoter_id;vote\na;1,2\nb;2\n", "VOTES\n"), 11, "no header"),
    (lines_of(GOOD, 8, "project_id;price;name"), 8, "no column 'cost'"),
    (lines_of(GOOD, 8, "id;cost;name"), 8, "no column 'project_id'"),
    (lines_of(GOOD, 12, "voter;vote"), 12, "no column 'voter_id'"),
    (lines_of(GOOD, 12, "voter_id;ballot"), 12, "no column 'vote'"),
    (lines_of(GOOD, 8, "project_id;cost;cost"), 8, "repeated column"),
    (lines_of(GOOD, 9, "1;sixty;First"), 9, "not a whole number"),
    (lines_of(GOOD, 9, "1;-60;First"), 9, "not a whole number"),
    (lines_of(GOOD, 9, "1;60.5;First"), 9, "not a whole number"),
    (lines_of(GOOD, 10, "1;40;Second"), 10, "given twice"),
    (lines_of(GOOD, 10, "2;40"), 10, "fields"),
    (lines_of(GOOD, 14, "b;3"), 14, "not in PROJECTS: '3'"),
    (lines_of(GOOD, 14, "b;2,2"), 14, "a project twice"),
    (lines_of(GOOD, 14, "a;2"), 14, "voter id 'a' is given twice"),
    (lines_of(GOOD, 5, "num_projects;3"), 5, "num_projects"),
    (lines_of(GOOD, 6, "num_votes;1"), 6, "num_votes"),
    (lines_of(GOOD, 4, "budget;0"), 4, "budget"),
    (lines_of(GOOD, 4, "budget;100.5"), 4, "budget"),
    (lines_of(GOOD, 4, "budget;"), 4, "budget"),
    (lines_of(GOOD, 4, "cost;100"), 1, "no budget"),
    (lines_of(GOOD, 3, "budget;5"), 4, "given twice"),
    (lines_of(GOOD, 9, '1;60;"First'), 9, "cannot read"),
    (lines_of(GOOD, 11, "PROJECTS"), 11, "section PROJECTS found where VOTES"),
])
def test_malformed_files_are_refused_with_the_line(text, line, words):
    error = refused(text)
    assert error.line == line, error
    assert words in error.message
    assert str(error).startswith(f"line {line}: ")


def test_a_quoted_field_spanning_lines_keeps_later_line_numbers_right():
    text = GOOD.replace("1;60;First", '1;60;"First\nand more"').replace("b;2", "b;9")
    error = refused(text)
    assert error.line == 15
