# Shared helpers for scripts/dashboard.sh and scripts/test.sh (sourced, not run).
# Both scripts must work on a fresh Debian/Ubuntu machine with Python 3.11+, and be cheap to re-run.

say() { printf '==> %s\n' "$*" >&2; }

# Run a command as root: directly when we are root (CI, containers), through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt-get install quietly; `apt-get update` first because a fresh machine's package lists may be empty or stale.
apt_install() {
    say "installing $* with apt-get"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Create .venv when it is missing or unusable, then install the given requirements file into it.
# Re-running is cheap: pip is skipped while the requirements files are unchanged since the last install.
ensure_venv() {
    local requirements="$1"
    local python="${PYTHON:-python3}"
    if ! command -v "$python" >/dev/null 2>&1; then
        say "$python not found: install Python 3.11 or newer (apt-get install python3 python3-venv)"
        return 1
    fi
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        say "Python 3.11 or newer is needed; $python is $("$python" -V 2>&1)"
        return 1
    fi
    # A .venv without a working pip is a half-made one (Debian's python3 without python3-venv leaves exactly that).
    if [ -d .venv ] && ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
        say "removing an unusable .venv"
        rm -rf .venv
    fi
    if [ ! -d .venv ]; then
        say "creating .venv with $("$python" -V 2>&1)"
        if ! "$python" -m venv .venv >/dev/null 2>&1; then
            rm -rf .venv
            apt_install python3-venv
            "$python" -m venv .venv
        fi
    fi
    # The stamp covers requirements.txt too, because requirements-dev.txt includes it with -r.
    local stamp=".venv/.khi-${requirements%.txt}.sha256"
    local want
    want="$(cat requirements.txt "$requirements" | sha256sum | cut -d' ' -f1)"
    if [ "${KHI_FORCE_INSTALL:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    say "installing $requirements into .venv (about a minute the first time)"
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements"
    printf '%s\n' "$want" > "$stamp"
}

# Print the path of Debian's HAProxy (the sticky balancer of scripts/serve.sh), installing the package when it is
# missing. Fails with a sentence saying what to do when it cannot be installed: there is no fallback without it.
haproxy_path() {
    local bin
    bin="$(command -v haproxy 2>/dev/null || true)"
    # /usr/sbin is not on every account's PATH.
    if [ -z "$bin" ] && [ -x /usr/sbin/haproxy ]; then bin=/usr/sbin/haproxy; fi
    if [ -n "$bin" ]; then
        printf '%s\n' "$bin"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
        say "HAProxy is not installed and this account cannot install it (not root, no sudo)."
        say "Ask an administrator to run: apt-get install haproxy"
        return 1
    fi
    # Its output to stderr: callers capture this function's stdout as the path.
    if ! apt_install haproxy >&2 || ! [ -x /usr/sbin/haproxy ]; then
        say "HAProxy could not be installed with apt-get (see the messages above)."
        say "Install Debian's haproxy package (apt-get install haproxy), then run this again."
        return 1
    fi
    printf '%s\n' /usr/sbin/haproxy
}
