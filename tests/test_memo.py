"""kpi.render.memo: built figures and CSVs remembered by what they are built from (a warm view builds nothing)."""

from __future__ import annotations

import pandas as pd
import pytest

from app_pages import open_page
from kpi.render import memo


@pytest.fixture(autouse=True)
def fresh():
    memo.clear()
    yield
    memo.clear()


def _table(**changes) -> pd.DataFrame:
    t = pd.DataFrame({"area_code": ["E12000001", "E12000002"], "value": [41.5, 52.0], "n": [120, 98]})
    for col, values in changes.items():
        t[col] = values
    return t


calls = []


@memo.remembered
def _build(table: pd.DataFrame, *, title: str, width: float = 1.0) -> dict:
    calls.append(title)
    return {"title": title, "rows": len(table)}


def test_the_same_inputs_build_once_and_share_the_output():
    calls.clear()
    first = _build(_table(), title="A")
    assert _build(_table(), title="A") is first  # an equal table (a new object) is the same input
    assert calls == ["A"]


@pytest.mark.parametrize("other", [
    lambda: (_table(value=[41.5, 52.1]), {"title": "A"}),            # a value
    lambda: (_table().rename(columns={"n": "m"}), {"title": "A"}),    # a column name
    lambda: (_table(n=[120.0, 98.0]), {"title": "A"}),                 # a type
    lambda: (_table().iloc[::-1], {"title": "A"}),                     # the order of rows
    lambda: (_table(), {"title": "B"}),                                # another argument
    lambda: (_table(), {"title": "A", "width": float("nan")}),         # nan is a value like any other
    lambda: (_table(area_code=["E12000001", "E12000003"]), {"title": "A"}),  # a text (Arrow buffers)
    lambda: (_table(area_code=["E12000001", None]), {"title": "A"}),         # a missing text
    lambda: (_table(area_code=["E1200000", "1E12000002"]), {"title": "A"}),  # the same characters, split elsewhere
])
def test_any_difference_in_the_inputs_builds_again(other):
    calls.clear()
    _build(_table(), title="A")
    table, kwargs = other()
    _build(table, **kwargs)
    assert len(calls) == 2
    _build(table, **kwargs)
    assert len(calls) == 2, "and is remembered in turn"


@memo.remembered
def _codes(table: pd.DataFrame) -> tuple:
    return tuple(table["area_code"])


def test_text_of_slices_and_of_a_fresh_table_is_never_confused():
    whole = pd.DataFrame({"area_code": ["E12000009", "E12000001", "E12000002"], "value": [1.0, 41.5, 52.0]})
    tail = whole.iloc[1:].reset_index(drop=True)  # an Arrow slice: offset 1 into its parent's buffers
    head = whole.iloc[:2].reset_index(drop=True)  # other values in the same buffers
    fresh = pd.DataFrame({"area_code": ["E12000001", "E12000002"], "value": [41.5, 52.0]})
    assert _codes(tail) == ("E12000001", "E12000002")
    assert _codes(head) == ("E12000009", "E12000001")
    assert _codes(fresh) == ("E12000001", "E12000002")  # equal values: remembered or built again, never another's


@memo.remembered
def _values(table: pd.DataFrame) -> tuple:
    return tuple(None if pd.isna(v) else v for v in table["n"])


def test_numbers_are_digested_by_their_own_values_masked_sliced_or_strided():
    masked = pd.DataFrame({"n": pd.array([120, None, 98], dtype="Int64")})
    zero = pd.DataFrame({"n": pd.array([120, 0, 98], dtype="Int64")})  # the value under the mask is no NA
    assert _values(masked) == (120, None, 98)
    assert _values(zero) == (120, 0, 98)
    whole = pd.DataFrame({"n": [5.0, 120.0, 98.0, 7.0]})
    assert _values(whole.iloc[1:3].reset_index(drop=True)) == (120.0, 98.0)  # a view at an offset
    assert _values(whole.iloc[::2].reset_index(drop=True)) == (5.0, 98.0)   # a strided view
    assert _values(whole.iloc[1::2].reset_index(drop=True)) == (120.0, 7.0)
    objects = pd.DataFrame({"n": pd.Series([[1], [2]], dtype=object)})
    assert _values(objects) == ([1], [2])


def test_a_remembered_figure_makes_its_dict_once_and_a_copy_is_an_ordinary_figure():
    import plotly.graph_objects as go
    import plotly.tools

    @memo.remembered
    def chart(n: int) -> go.Figure:
        return go.Figure(go.Bar(x=list(range(n)), y=list(range(n))), layout={"title": {"text": "t"}})

    fig = chart(3)
    # what st.plotly_chart calls: the same dict on every view, not a new deep copy
    sent = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    assert plotly.tools.return_figure_from_figure_or_data(chart(3), validate_figure=True) is sent
    assert sent["data"][0]["type"] == "bar" and sent["layout"]["title"]["text"] == "t"
    copy = go.Figure(fig)  # kpi.render.images adds its footer to a copy
    copy.update_layout(title_text="footer")
    assert type(copy) is go.Figure and copy.to_dict()["layout"]["title"]["text"] == "footer"
    assert fig.to_dict()["layout"]["title"]["text"] == "t"


def test_arguments_without_a_fingerprint_are_built_every_time():
    calls.clear()
    odd = object()  # no fingerprint for an arbitrary object: its repr would be its address
    _build(_table(), title="A", width=odd)
    _build(_table(), title="A", width=odd)
    assert calls == ["A", "A"]


def test_lists_in_cells_are_part_of_the_fingerprint():
    calls.clear()
    _build(_table(cell=[[1], [2]]), title="A")
    _build(_table(cell=[[1], [3]]), title="A")
    _build(_table(cell=[[1], [3]]), title="A")
    assert calls == ["A", "A"]


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(memo, "MAX_ENTRIES", 3)
    for i in range(10):
        _build(_table(), title=str(i))
    assert len(memo._cache) == 3


def test_a_warm_view_of_a_page_builds_no_figure_and_no_csv(sample_env):
    at = open_page("pages/connectedness.py")  # the page with the most figures in one view
    built = memo.stats["misses"]
    assert built >= 6  # its figures, CSVs and tables were built the first time
    at.run()
    assert not at.exception
    assert memo.stats["misses"] == built, "a rerun of the same view built something again"

