"""`python -m kpi COMMAND ...`: one entry point, each command's options and work kept in its own module.

Each command module exposes `add_arguments(parser)` and `run(args) -> int` (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "sample": ("kpi.data.sample", "write a synthetic sample store (all tables), deterministically from a seed"),
    "ingest": ("kpi.data.ingest", "validate and store outcome-tool exports (CSV, XLSX, Parquet)"),
    "metrics": ("kpi.commands", "list the Key Human Indicators in the registry"),
    "table": ("kpi.commands", "print one indicator's table as published (protected; --exact for the national team)"),
    "slides": ("kpi.commands", "export a presentation (PowerPoint, optionally PDF) for an area"),
    "users": ("kpi.data.users_command", "manage the roles table: who may see which schemes and exact figures"),
    "submissions": ("kpi.data.store_command", "list a store's submissions (who sent which files, and withdrawals)"),
    "withdraw": ("kpi.data.store_command", "commit a new store version without one submission's rows"),
    "publish": ("kpi.data.store_command", "mark a store version (default: the live one) as the public view"),
    "versions": ("kpi.data.store_command", "list a store's versions with their date, rows and published mark"),
    "bench": ("perf.bench", "benchmark the pages' queries against pandas and bare DuckDB"),
    "load": ("perf.load", "a bounded load test: concurrent sessions on Streamlit's websocket, loopback only"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kpi", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    argv = sys.argv[1:] if argv is None else argv
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if argv and argv[0] == name:  # import only the chosen command's module: start-up stays quick
            module = importlib.import_module(module_name)
            getattr(module, f"add_{name}_arguments", getattr(module, "add_arguments", None))(p)
    args = parser.parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    runner = getattr(module, f"run_{args.command}", getattr(module, "run", None))
    return int(runner(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
