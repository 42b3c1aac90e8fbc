"""Keep the Welsh catalogue in step with the code, with Babel: `python -m kpi.translations extract|update|fill|check`.

- extract: every `_()`, `N_()`, `ngettext()` and `pgettext()` in kpi/, ui/, pages/ and app.py into
  kpi/locale/messages.pot (what `pybabel extract -F kpi/locale/babel.cfg -k pgettext:1c,2 .` would write).
- update: merge the template into kpi/locale/cy/LC_MESSAGES/messages.po (new words added untranslated, words gone
  from the code made obsolete, as `pybabel update` does).
- fill FILE.json ...: set Welsh translations from {English: Welsh} files (a list of six forms for a plural, keyed by
  the singular; "context\x04English" for pgettext), each marked fuzzy: needs review by a Welsh speaker.
- check: the problems tests/test_i18n_catalogue.py fails on (words with no Welsh, placeholders that differ).
"""

from __future__ import annotations

import io
import json
import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "kpi" / "locale"
TEMPLATE = LOCALE / "messages.pot"
WELSH = LOCALE / "cy" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
METHOD_MAP = [("kpi/**.py", "python"), ("ui/**.py", "python"), ("pages/**.py", "python"), ("app.py", "python")]
PROJECT = "Key Human Indicators"


def extracted() -> Catalog:
    """The words marked in the code, as a template catalogue."""
    catalog = Catalog(project=PROJECT, version="1", msgid_bugs_address="", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), METHOD_MAP, keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _write(catalog: Catalog, path: Path, **kw) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, sort_output=False, omit_header=False, **kw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def read(path: Path = WELSH) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh, locale="cy")


def extract() -> Catalog:
    template = extracted()
    _write(template, TEMPLATE, ignore_obsolete=True, include_lineno=False)
    return template


def update() -> Catalog:
    template = extract()
    if WELSH.exists():
        welsh = read()
    else:
        welsh = Catalog(locale="cy", project=PROJECT, version="1", charset="utf-8")
    welsh.update(template, no_fuzzy_matching=True)
    welsh.obsolete.clear()  # words gone from the code are dropped, not kept commented out
    _write(welsh, WELSH, ignore_obsolete=True, include_lineno=False)
    return welsh


def fill(files) -> int:
    welsh = read()
    done = 0
    for name in files:
        for key, value in json.loads(Path(name).read_text(encoding="utf-8")).items():
            context, _, msgid = key.rpartition("\x04")
            message = welsh.get(msgid, context=context or None)
            if message is None:
                continue
            message.string = tuple(value) if message.pluralizable else value
            message.flags.add("fuzzy")
            done += 1
    _write(welsh, WELSH, ignore_obsolete=True, include_lineno=False)
    return done


_FIELD = string.Formatter()


def placeholders(text: str) -> set[str]:
    """The named fields of a str.format template ('{count}', '{n:,}' -> {'count', 'n:,'}); a bad template -> '!'."""
    try:
        return {f"{name}:{spec}" if spec else name for _, name, spec, _ in _FIELD.parse(text) if name is not None}
    except ValueError:
        return {"!"}


def problems(catalog: Catalog | None = None, template: Catalog | None = None) -> list[str]:
    """Words in the code the catalogue lacks or leaves untranslated, and translations whose placeholders differ."""
    catalog = catalog if catalog is not None else read()
    template = template if template is not None else extracted()
    out = []
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        welsh = catalog.get(message.id, context=message.context)
        if welsh is None:
            out.append(f"not in the catalogue: {key!r}")
            continue
        forms = welsh.string if isinstance(welsh.string, (list, tuple)) else (welsh.string,)
        if not all(forms):
            out.append(f"no Welsh: {key!r}")
            continue
        english = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        wanted = set().union(*(placeholders(e) for e in english))
        for form in forms:
            if placeholders(form) - wanted or (not isinstance(message.id, tuple) and placeholders(form) != wanted):
                out.append(f"placeholders differ: {key!r} -> {form!r}")
                break
    return out


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "check"
    if command == "extract":
        print(f"{len(extract())} words in {TEMPLATE.relative_to(ROOT)}")
    elif command == "update":
        print(f"{len(update())} words in {WELSH.relative_to(ROOT)}")
    elif command == "fill":
        print(f"{fill(argv[1:])} Welsh translations set (fuzzy)")
    elif command == "check":
        found = problems()
        print("\n".join(found) or "every word has Welsh, with the same placeholders")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
