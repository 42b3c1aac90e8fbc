#!/usr/bin/env bash
# Install the dashboard into .venv and run it on the bundled synthetic sample data (data/sample).
# Usage, from anywhere: bash scripts/dashboard.sh [extra `streamlit run` options, e.g. --server.port 8600]
# Set KHI_DATA_DIR to a store made by `python -m kpi ingest` to show your own data instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_venv requirements.txt
say "starting the dashboard: open the Local URL printed below (Ctrl+C stops it)"
exec .venv/bin/streamlit run app.py "$@"
