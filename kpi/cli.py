"""`python -m kpi COMMAND ...`: one entry point, each command's options and work kept in its own module.

Each command module exposes `add_arguments(parser)` and `run(args) -> int` (the exit code). `--lang cy` anywhere on
the line makes the help Welsh too (the parser is built inside `i18n.using`); the commands that take `--lang` run in it.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from kpi import i18n
from kpi.i18n import N_, _

DESCRIPTION = N_("`python -m kpi COMMAND ...`: one entry point, each command's options and work kept in its own "
                 "module.")
COMMANDS = {
    "sample": ("kpi.data.sample", N_("write a synthetic sample store (all tables), deterministically from a seed")),
    "ingest": ("kpi.data.ingest", N_("validate and store outcome-tool exports (CSV, XLSX, Parquet)")),
    "metrics": ("kpi.commands", N_("list the Key Human Indicators in the registry")),
    "table": ("kpi.commands",
              N_("print one indicator's table as published (protected; --exact for the national team)")),
    "slides": ("kpi.commands", N_("export a presentation (PowerPoint, optionally PDF) for an area")),
    "users": ("kpi.data.users_command", N_("manage the roles table: who may see which schemes and exact figures")),
    "submissions": ("kpi.data.store_command",
                    N_("list a store's submissions (who sent which files, and withdrawals)")),
    "withdraw": ("kpi.data.store_command", N_("commit a new store version without one submission's rows")),
    "publish": ("kpi.data.store_command", N_("mark a store version (default: the live one) as the public view")),
    "versions": ("kpi.data.store_command", N_("list a store's versions with their date, rows and published mark")),
    "bench": ("perf.bench", N_("benchmark the pages' queries against pandas and bare DuckDB")),
    "load": ("perf.load", N_("a bounded load test: concurrent sessions on Streamlit's websocket, loopback only")),
}


def _language(argv: list[str]) -> str | None:
    """The --lang the line asks for (`--lang cy` or `--lang=cy`), read before the parser exists so its help is in
    that language; None when there is none (or it is not one we offer: the command's parser says so)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return i18n.parse(argv[i + 1])
        if arg.startswith("--lang="):
            return i18n.parse(arg.partition("=")[2])
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with i18n.using(_language(argv)):
        return _main(argv)


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m kpi", description=_(DESCRIPTION))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=_(help_text), description=_(help_text))
        if argv and argv[0] == name:  # import only the chosen command's module: start-up stays quick
            module = importlib.import_module(module_name)
            getattr(module, f"add_{name}_arguments", getattr(module, "add_arguments", None))(p)
    args = parser.parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    runner = getattr(module, f"run_{args.command}", getattr(module, "run", None))
    return int(runner(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
