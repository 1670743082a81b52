"""The CSV helpers every export and import shares."""

import pytest

from decide.core.spreadsheets import NotUtf8
from decide.core.spreadsheets import csv_delimiter
from decide.core.spreadsheets import decode_csv
from decide.core.spreadsheets import spreadsheet_safe

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize("value, safe", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@cmd", "'@cmd"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("a=1", "a=1"), ("", ""), (-1, -1), (None, None),
])
def test_spreadsheet_formulas_are_defused(value, safe):
    assert spreadsheet_safe(value) == safe


def test_utf8_with_or_without_the_byte_order_mark():
    assert decode_csv("a,b\nç,é\n".encode()) == "a,b\nç,é\n"
    assert decode_csv("\ufeffa,b\n".encode()) == "a,b\n"


def test_the_lines_that_are_not_utf8_are_named():
    data = b"a,b\n" + "ç,é\n".encode("latin-1") + b"ok\n" + "à\n".encode("latin-1")
    with pytest.raises(NotUtf8) as caught:
        decode_csv(data)
    assert caught.value.lines == [2, 4]
    with pytest.raises(NotUtf8) as caught:
        decode_csv(data, most=1)
    assert caught.value.lines == [2]


@pytest.mark.parametrize("text, delimiter", [
    ("a,b\n1;2\n", ","), ("a;b\n1,5;2\n", ";"), ("a;b,c\n", ","), ("a\n", ","), ("", ","),
])
def test_commas_or_the_semicolons_of_decimal_comma_spreadsheets(text, delimiter):
    assert csv_delimiter(text) == delimiter
