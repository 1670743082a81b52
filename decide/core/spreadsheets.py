"""CSV files that staff open in a spreadsheet or upload from one: every export and import
reads and writes them the same way."""

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class NotUtf8(ValueError):
    """The file is not UTF-8 text; `lines` are the numbers of the lines that are not."""

    def __init__(self, lines: list[int]):
        super().__init__(lines)
        self.lines = lines


def spreadsheet_safe(value):
    """A text cell a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def decode_csv(data: bytes, most: int = 20) -> str:
    """An uploaded file's text (UTF-8, with or without the BOM spreadsheets write); NotUtf8
    naming the first `most` lines that are not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            lines.append(number)
            if len(lines) >= most:
                break
    raise NotUtf8(lines)


def csv_delimiter(text: str) -> str:
    """Commas, or the semicolons of spreadsheets set up for a language with decimal commas."""
    first = text.split("\n", 1)[0]
    return ";" if ";" in first and "," not in first else ","
