"""`python -m kpi metrics`, `table` and `slides`: the registry, one KHI's table and a deck of slides.

Each takes `--lang en|cy`: the command runs inside `i18n.using(args.lang)`, so its table, metadata, slides and
messages are in that language (`kpi table --lang cy` prints what the dashboard's Welsh Download CSV gives).
"""

from __future__ import annotations

import argparse
import json
import sys

from kpi import i18n
from kpi.i18n import _, ngettext
from kpi.metrics import api, definitions, registry
from kpi.metrics.scope import Scope, ScopeError
from kpi.data import queries, schema, store
from kpi.render import export, slides, text


def add_lang_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=tuple(i18n.LANGUAGES), default=i18n.DEFAULT,
                   help=_("the language of the output: en (English, the default) or cy (Cymraeg)"))


def _error(message: str) -> int:
    print(_("error: {message}").format(message=message), file=sys.stderr)
    return 2


def add_metrics_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    add_lang_argument(p)


def run_metrics(args) -> int:
    with i18n.using(args.lang):
        return _run_metrics(args)


def _run_metrics(args) -> int:
    if args.format == "json":
        json.dump([k.as_dict() for k in registry.REGISTRY], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if args.format == "markdown":
        sys.stdout.write(definitions.markdown())
        return 0
    width = max(len(k.id) for k in registry.REGISTRY)
    for k in registry.REGISTRY:
        print(f"{k.id:<{width}}  {k.title} [{k.unit}; {k.direction.replace('_', ' ')}; {k.theme}]")
    return 0


def add_table_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("metric_id", help=_("a KHI id from `python -m kpi metrics`"))
    p.add_argument("--by", choices=tuple(queries.BREAKDOWNS), help=_("break the figure down by this"))
    p.add_argument("--year", type=int, help=_("financial year by its starting year (2019 means 2019-20)"))
    p.add_argument("--area", action="append", default=[], help=_("GSS area code (repeatable)"))
    p.add_argument("--programme", action="append", default=[], choices=schema.PROGRAMMES)
    p.add_argument("--arrangement", action="append", default=[], choices=schema.ARRANGEMENTS)
    p.add_argument("--age-band", action="append", default=[], choices=schema.AGE_BANDS)
    p.add_argument("--need", action="append", default=[], choices=schema.PRIMARY_NEEDS)
    p.add_argument("--confidence", type=float, default=0.95, help=_("0.95 (default) or 0.998"))
    p.add_argument("--benchmark", choices=schema.BENCHMARK_CHOICES, default="auto",
                   help=_("what a place is compared with: auto (default: an English region or scheme with England, a "
                          "scheme in Wales, Scotland or Northern Ireland with its nation, a nation with the UK) or uk"))
    p.add_argument("--data", help=_("store directory (default: KHI_DATA_DIR, else the bundled sample)"))
    p.add_argument("--scheme", action="append", default=[], help=_("scheme id (repeatable; needs --exact)"))
    p.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv",
                   help=_("csv: a metadata block (lines starting with #) then the table, the dashboard's Download CSV "
                          "(read it with pandas.read_csv(path, skiprows={lines})); xlsx: a Data and a Metadata "
                          "sheet, written to --out; json: the api's records, without metadata").format(
                       lines=export.METADATA_LINES))
    p.add_argument("--out", help=_("the file to write (needed for --format xlsx; default: standard output)"))
    p.add_argument("--exact", action="store_true",
                   help=_("exact figures (an analyst's scope: no perturbation, no suppression), for the national "
                          "team running the CLI on the server, which is already inside the trust boundary. Without it "
                          "the table is the public one, and scheme-level tables are refused."))
    add_lang_argument(p)


def run_table(args) -> int:
    with i18n.using(args.lang):
        return _run_table(args)


def _run_table(args) -> int:
    try:
        registry.get(args.metric_id)
    except KeyError as exc:
        return _error(exc.args[0])
    bad = [a for a in args.area if a not in schema.AREAS]
    if bad:
        return _error(_("unknown area code(s) {codes}; use one of {known}").format(
            codes=", ".join(bad), known=", ".join(schema.AREAS)))
    f = api.Filters(years=(args.year,) if args.year else (), areas=tuple(args.area),
                    programmes=tuple(args.programme), arrangements=tuple(args.arrangement),
                    age_bands=tuple(args.age_band), needs=tuple(args.need), schemes=tuple(args.scheme),
                    benchmark=args.benchmark)
    scope = Scope.analyst() if args.exact else Scope.public()
    try:
        table = api.khi_table(args.metric_id, (args.by,) if args.by else (), f, scope=scope, data_dir=args.data,
                              confidence=args.confidence)
    except ScopeError:
        return _error(_("scheme-level figures are not public; the national team can use --exact on the server"))
    except (store.StoreError, ValueError) as exc:  # ValueError: a breakdown the KHI's data does not have
        return _error(str(exc))
    if args.format == "json":
        sys.stdout.write(table.to_json(orient="records", indent=2) + "\n")
        return 0
    info = _export_info(args, f, scope)
    if args.format == "xlsx":
        if not args.out:
            return _error(_("--format xlsx needs --out FILE.xlsx"))
        with open(args.out, "wb") as fh:
            fh.write(export.xlsx_bytes(table, info))
    elif args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as fh:
            fh.write(export.csv_text(table, info))
    else:
        sys.stdout.write(export.csv_text(table, info))
    return 0


def _export_info(args, f: api.Filters, scope: Scope) -> export.ExportInfo:
    """The same metadata as the dashboard's downloads: the store version the CLI read (the live one)."""
    by = (args.by,) if args.by else ()
    info = api.store_info(args.data)
    return export.ExportInfo(title=export.title_by(args.metric_id, by),
                             period=text.period_text(f.years or api.years(data_dir=args.data)), filters=f,
                             scope=scope, exact=scope.exact(by, f), version=text.version_text(info),
                             synthetic=bool(info["synthetic"]))


def add_slides_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--area", help=_("GSS code of a nation or region, e.g. E12000002 for the North West "
                                    "(leave out for the whole UK)"))
    p.add_argument("--scheme", help=_("a scheme id, for one scheme's slides"))
    p.add_argument("--period", type=int, help=_("financial year by its starting year (2019 = 2019-20); "
                                                "default: the latest year with answers"))
    p.add_argument("--metrics", help=_("KHI ids separated by commas (default: the headline KHIs: {ids})").format(
        ids=",".join(registry.HEADLINE_IDS)))
    p.add_argument("--out", required=True, help=_("the PowerPoint file to write (.pptx)"))
    p.add_argument("--pdf", help=_("also write the same slides as a PDF here"))
    p.add_argument("--data", help=_("store directory (default: KHI_DATA_DIR, else the bundled sample)"))
    p.add_argument("--exact", action="store_true",
                   help=_("exact figures (an analyst's scope), for the national team on the server, inside the trust "
                          "boundary; needed for a scheme's slides"))
    add_lang_argument(p)


def run_slides(args) -> int:
    with i18n.using(args.lang):
        return _run_slides(args)


def _run_slides(args) -> int:
    ids = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else list(registry.HEADLINE_IDS)
    try:
        deck = slides.build_deck(args.area, args.period, ids, data_dir=args.data, scheme=args.scheme,
                          scope=Scope.analyst() if args.exact else Scope.public())
    except ScopeError:
        return _error(_("a scheme's slides are not public; the national team can add --exact on the server"))
    except (slides.DeckError, store.StoreError) as exc:
        return _error(str(exc))
    files = str(slides.write_pptx(deck, args.out))
    if args.pdf:
        files = _("{first} and {second}").format(first=files, second=slides.write_pdf(deck, args.pdf))
    n = len(deck.slides)
    print(ngettext("Wrote {n} slide for {place}, {period}: {files}", "Wrote {n} slides for {place}, {period}: {files}",
                   n).format(n=n, place=deck.place, period=deck.period_label, files=files))
    return 0
