"""`python -m kpi sample --out DIR [--responses N] [--seed S] [--chunk-rows R]`: the command line over `generate`."""

from __future__ import annotations

import argparse
import sys
import time

from kpi.data.sample.write import DEFAULT_CHUNK_ROWS, DEFAULT_RESPONSES, DEFAULT_SEED, SampleError, generate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="folder for the new store (must be new or empty)")
    parser.add_argument("--responses", type=int, default=DEFAULT_RESPONSES,
                        help=f"number of responses (default {DEFAULT_RESPONSES:,})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS,
                        help=f"responses per write; bounds memory, not content (default {DEFAULT_CHUNK_ROWS:,})")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        manifest = generate(args.out, responses=args.responses, seed=args.seed, chunk_rows=args.chunk_rows)
    except SampleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = manifest.rows
    print(
        f"Wrote a synthetic sample to {args.out}: {rows['schemes']:,} schemes, {rows['people_supported']:,} "
        f"people-supported rows, {rows['responses']:,} responses in {len(manifest.tables['responses'])} files "
        f"({time.perf_counter() - started:.1f} s). {manifest.note}."
    )
    return 0
