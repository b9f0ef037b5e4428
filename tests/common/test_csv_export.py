"""common.csv_export: every cell a spreadsheet would run is written as text, read back with Python's csv reader."""
import csv
import io

import pytest

from common import csv_export


def written(cells) -> list[str]:
    out = io.StringIO()
    csv_export.writer(out).writerow(cells)
    return next(csv.reader(io.StringIO(out.getvalue(), newline="")))


@pytest.mark.parametrize("cell", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "%0A=1", "|calc"])
def test_a_formula_cell_becomes_text(cell):
    [read] = written([cell])
    assert read.startswith("'") and read != cell


@pytest.mark.parametrize("cell, expected", [("Alpha", "Alpha"), ("-12.50", "-12.50"), (-3, "-3"), ("", ""),
                                            ("a=b", "a=b"), ("Tab\tinside", "Tab\tinside")])
def test_other_cells_are_unchanged(cell, expected):
    assert written([cell]) == [expected]
