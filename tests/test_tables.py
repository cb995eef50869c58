"""decision_kit.tables: the notebooks' styled tables, against strings worked out by hand.

1,234,567 as compact money is 1.234567M -> '1.23M' (three significant digits); 0.372 as a
percentage is '37%'; 0.004 is '<1%'. The id is a hash of the labels, so the same table gives the
same HTML on every run and two different tables do not share CSS ids."""

import math
import re

import pandas as pd
import pytest

from decision_kit.tables import Table, table


def _frame():
    return pd.DataFrame(
        {"npv": [1_234_567.0, -143_000.0], "p": [0.372, 0.004], "who": ["CMO", "CIO"]},
        index=pd.Index(["buy", "build"], name="option"),
    )


def test_columns_are_written_by_their_rules():
    html = table(_frame(), {"npv": "compact", "p": "percent"}).html
    for text in (">1.23M<", ">-143k<", ">37%<", "><1%<", ">CMO<", ">CIO<"):
        assert text in html, text


def test_money_with_the_currency_and_nan_as_n_a():
    frame = pd.DataFrame({"npv": [2_500_000.0, math.nan], "payback": [2.345, math.nan]})
    html = table(frame, {"npv": "money", "payback": "years"}, currency="EUR").html
    for text in (">2.50M EUR<", ">n/a<", ">2.3<", ">never<"):
        assert text in html, text


def test_every_row_is_shown():
    frame = pd.DataFrame({"x": range(100)})
    html = table(frame).html
    assert html.count("<tr>") == 101  # the header row and every data row
    assert ">99<" in html


def test_the_same_table_gives_the_same_html_and_another_table_other_ids():
    a, b = table(_frame(), caption="A"), table(_frame(), caption="A")
    assert a.html == b.html
    other = table(_frame(), caption="B")
    assert a.html != other.html
    fixed = table(_frame(), uuid="summary")
    assert 'id="T_summary"' in fixed.html


def test_bold_rows_caption_and_no_index():
    t = table(_frame(), bold_rows=["build"], caption="NPV & chance", index=False)
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", t.html.split("</style>")[0])
    bold = " ".join(selector for selector, props in rules if "font-weight: bold" in props)
    assert "_row1_col0" in bold and "_row1_col2" in bold and "_row0_" not in bold  # build is row 1
    assert "<caption>NPV &amp; chance</caption>" in t.html
    assert ">option<" not in t.html  # the index is hidden


def test_text_that_looks_like_a_number_is_left_as_written():
    html = table(pd.DataFrame({"adds": ["0.00", "1.15"]})).html
    assert ">0.00<" in html and ">1.15<" in html


def test_a_notebook_shows_it_as_html_and_names_it_in_plain_text():
    t = table(_frame(), caption="NPV")
    assert isinstance(t, Table)
    assert t._repr_html_() == t.html
    assert repr(t) == "Table('NPV', 2 rows x 3 columns)"


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown formats"):
        table(_frame(), {"npv": "dollars"})
