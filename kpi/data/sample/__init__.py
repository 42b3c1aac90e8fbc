"""`python -m kpi sample`: a synthetic, national-scale sample store, made deterministically from a seed.

Everything here is made up: no scheme, council or person is real. The numbers are shaped to look like the
published Shared Lives figures (see `docs/sample-data.md`), so the pages have a believable story to show before
real exports arrive.

How the content is defined (so a seed always gives the same rows, whatever the chunk size):

* the "world" (schemes, people supported, each scheme's quality) comes from one generator seeded by (seed, 0);
* responses are made in fixed blocks of `BLOCK_ROWS`, block b from a generator seeded by (seed, 1, b). Chunking
  only decides how many rows go into each Parquet file, never what the rows are.

Modules: `story` (the published figures and model parameters), `world` (schemes, people supported, quality),
`calibration` (answer thresholds), `responses` (response blocks), `tables` (Arrow tables and their files),
`write` (writing the store: `generate`), `command` (the CLI).
"""

from kpi.data.sample.command import add_arguments, run
from kpi.data.sample.write import (
    DEFAULT_CHUNK_ROWS, DEFAULT_RESPONSES, DEFAULT_SEED, MAX_RESPONSES, SampleError, generate,
)
from kpi.data.sample.story import IMPACTS

__all__ = ["generate", "SampleError", "add_arguments", "run", "DEFAULT_RESPONSES", "DEFAULT_SEED", "DEFAULT_CHUNK_ROWS",
           "MAX_RESPONSES", "IMPACTS"]
