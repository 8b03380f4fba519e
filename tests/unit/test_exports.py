"""Exports make text that a spreadsheet would run inert, and leave numbers as numbers."""

import csv
import io
from dataclasses import dataclass

import openpyxl
import pytest

from engine.exports import to_csv, to_xlsx

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)",
            "\t=1", "\r=1"]


@dataclass
class Row:
    name: str
    count: int
    hours: float


@pytest.mark.parametrize("text", FORMULAS)
def test_text_starting_like_a_formula_is_quoted_in_csv(text):
    exported = to_csv([Row(text, -3, -1.5)], Row)

    _, row = csv.reader(io.StringIO(exported.removeprefix("\ufeff")))
    assert row == [f"'{text}", "-3", "-1.5"]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_starting_like_a_formula_is_a_string_in_xlsx_and_negatives_stay_numbers(text):
    exported = to_xlsx([Row(text, -3, -1.5)], Row, title="t")

    cells = list(openpyxl.load_workbook(io.BytesIO(exported)).active.iter_rows(min_row=2))[0]
    assert [(c.value, c.data_type) for c in cells] == [(f"'{text}", "s"), (-3, "n"),
                                                        (-1.5, "n")]


def test_ordinary_text_is_exported_as_typed():
    exported = to_csv([Row("Nguyễn Văn A - tổ 3", 1, 0.5)], Row)

    assert exported.splitlines()[1] == "Nguyễn Văn A - tổ 3,1,0.5"
