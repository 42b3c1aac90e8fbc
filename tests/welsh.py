"""What a page says, gathered for the Welsh tests (a helper module, like tests/app_pages.py): every string of every
element AppTest sees, and the English in it.

English is found two ways, so that neither a forgotten `_()` nor a wrapped-but-untranslated string slips by:
the catalogue's own English sentences (msgids whose Welsh differs) shown verbatim, and common English words that
Welsh never uses, anywhere in the text.
"""

from __future__ import annotations

import json
import re

from google.protobuf.json_format import MessageToDict

# Common English words that are not Welsh words (so "a", "is", "ar", "am", "i" and "to" — Welsh "is" is "below",
# "to" is "roof" — are not here).
ENGLISH_WORDS = frozenset(
    "the and of with people who what which this that these than from your you are were was has have been "
    "will would should could not there their they them when where how why more most less about because "
    "figures figure answers answered support shows shown chart table page area areas region regions "
    "download better worse similar percentage points friends interval median change growing falling increasing "
    "decreasing significant benchmark measure source made synthetic".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z']+")
# Not prose: code spans, link targets, style and script blocks, HTML tags' names and attributes.
_CODE = re.compile(r"`[^`]*`|\]\([^)]*\)|<(style|script)\b.*?</\1>|<[^>]+>", re.S)
# Keys of element protos that hold no words a person reads (ids, CSS, icons, formats, urls).
_SKIP_KEYS = {"id", "formId", "key", "icon", "type", "format", "url", "src", "href", "css", "bodyUrl", "pageScriptHash",
              "scriptHash", "urlPathname", "deltaPath", "theme", "colors", "color", "font", "fontFamily", "style",
              "hovertemplate_format", "config", "name_cache", "selector", "useContainerWidth", "data", "arrowData",
              "componentName", "jsContent"}
# Keys inside a Plotly figure's JSON that hold words.
_PLOTLY_WORDS = {"text", "title", "hovertext", "customdata", "name", "ticktext", "hovertemplate", "texttemplate",
                 "legendgrouptitle"}


def _strings(value, key: str = "") -> list[str]:
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in _SKIP_KEYS:
                continue
            if k == "spec" and isinstance(v, str):  # a Plotly figure, as JSON
                out += _plotly_strings(json.loads(v))
            elif k == "json" and value.get("componentName") == "khi_chart":  # ui.charts: the figure and its words
                sent = json.loads(v)
                out += _plotly_strings(json.loads(sent["figure"])) + [sent["alt"], sent["failed"]]
            else:
                out += _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            out += _strings(v, key)
    elif isinstance(value, str) and value.strip():
        out.append(value)
    return out


def _plotly_strings(value, key: str = "") -> list[str]:
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("template", "marker", "line", "font", "colorscale"):
                continue
            out += _plotly_strings(v, k)
    elif isinstance(value, list):
        for v in value:
            out += _plotly_strings(v, key)
    elif isinstance(value, str) and key in _PLOTLY_WORDS:
        out.append(re.sub(r"<[^>]+>|%\{[^}]*\}", " ", value))
    return out


def page_strings(at) -> list[str]:
    """Every string of every element on the page (main area and sidebar), tables' headers and text cells included."""
    out: list[str] = []
    stack = [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if children:
            stack.extend(children.values())
        proto = getattr(node, "proto", None)
        if proto is not None and not children:
            out += _strings(MessageToDict(proto))
    for frame in at.dataframe:
        table = frame.value
        out += [str(c) for c in table.columns]
        for column in table.columns:
            if table[column].dtype == object:
                out += [str(v) for v in table[column].dropna().unique()]
    return out


def english_in(strings, allowed=()) -> list[str]:
    """The strings with English words in them (after removing the `allowed` names: schemes, organisations), each
    as "[the English words] in <the string>"."""
    found = []
    for s in strings:
        text = _CODE.sub(" ", s)  # `python -m kpi table ...`: a command, the same in any language
        for name in allowed:
            text = text.replace(name, " ")
        words = {w.lower() for w in _WORD.findall(text)}
        if words & ENGLISH_WORDS:
            found.append(f"{sorted(words & ENGLISH_WORDS)} in {s}")
    return found
