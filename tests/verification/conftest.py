"""Fixtures of verification: census files written as bytes.

    data = census_file(("12345678Z", "1990-05-17", "D1"), header="...,scope")
"""


def census_file(*rows, header: str = "document_number,birth_date") -> bytes:
    lines = [header, *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()
