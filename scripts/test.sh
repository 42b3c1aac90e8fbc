#!/usr/bin/env bash
# Install everything the whole test suite needs, then run it: bash scripts/test.sh [pytest arguments]
# - Debian's chromium for the real-browser tests and kaleido's image export (Playwright's own browser
#   download is not used: `playwright install` is never run). KHI_CHROMIUM points at another binary.
# - Debian's haproxy for tests/test_stack.py (the serving stack of scripts/serve.sh).
# - .venv with requirements-dev.txt.
# Exits with pytest's exit code. With CI=true a missing browser (or haproxy) fails its tests instead of skipping them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

chromium="${KHI_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    apt_install chromium
fi

haproxy_path >/dev/null  # installs it when missing

# A Welsh PDF is set in DejaVu Sans (ŵ and ŷ; kpi/render/slides_pdf.py); chromium usually brings it, but say so.
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    apt_install fonts-dejavu-core
fi

# axe-core (npm, pinned in package-lock.json) for tests/browser/test_accessibility.py; Debian's npm when none.
if [ ! -f node_modules/axe-core/axe.min.js ]; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    say "installing axe-core with npm ci"
    npm ci --no-audit --no-fund --loglevel=error
fi

ensure_venv requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
