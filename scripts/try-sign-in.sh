#!/usr/bin/env bash
# Try sign-in locally: a mock OpenID Connect provider on loopback and the dashboard signed in through it.
# Usage, from anywhere: bash scripts/try-sign-in.sh [extra `streamlit run` options]
# Then open http://127.0.0.1:8501 (KHI_PORT changes the port; open exactly this address, the one in the redirect URI)
# and press "Sign in" in the sidebar: the provider's page offers the example users below with one click, or type any
# subject (that person then has no verified e-mail and is known by the subject).
# Your own .streamlit/secrets.toml is not read or changed: the settings go to artifacts/try-sign-in/secrets.toml.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"  # loopback never through a proxy
app_port="${KHI_PORT:-8501}"
idp_port="${KHI_IDP_PORT:-9400}"
ensure_venv requirements.txt
# The provider is a development package: install just it, at the version pinned in requirements-dev.txt.
if ! .venv/bin/python -c "import oidc_provider_mock" 2>/dev/null; then
    say "installing oidc-provider-mock into .venv"
    pin="$(grep '^oidc-provider-mock==' requirements-dev.txt | cut -d' ' -f1)"
    .venv/bin/python -m pip install -q --disable-pip-version-check "$pin"
fi

dir="artifacts/try-sign-in"
mkdir -p "$dir"
secrets="$dir/secrets.toml"
umask 077
cat > "$secrets" <<EOF
# Written by scripts/try-sign-in.sh for a local trial; see .streamlit/secrets.example.toml for a real set-up.
[auth]
redirect_uri = "http://127.0.0.1:${app_port}/oauth2callback"
cookie_secret = "$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')"
client_id = "khi-dashboard"
client_secret = "local-trial"
server_metadata_url = "http://127.0.0.1:${idp_port}/.well-known/openid-configuration"
EOF

user() {  # sub, e-mail, name: a user the provider offers with one click, with a verified e-mail
    printf '{"sub": "%s", "email": "%s", "email_verified": true, "name": "%s"}' "$1" "$2" "$3"
}
say "starting the mock identity provider on http://127.0.0.1:${idp_port}"
.venv/bin/python -m oidc_provider_mock --host 127.0.0.1 --port "$idp_port" \
    --user-claims "$(user analyst analyst@example.org 'Ana Analyst')" \
    --user-claims "$(user hub-nw hub.northwest@example.org 'Hari Hub')" \
    --user-claims "$(user manager-1 manager@example.org 'Mo Manager')" \
    > "$dir/provider.log" 2>&1 &
provider=$!
trap 'kill "$provider" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 50); do
    if .venv/bin/python -c "import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=1)" \
        "http://127.0.0.1:${idp_port}/.well-known/openid-configuration" 2>/dev/null; then
        break
    fi
    kill -0 "$provider" 2>/dev/null || { say "the provider did not start: see $dir/provider.log"; exit 1; }
    sleep 0.2
done

# Their roles, in a roles table of the trial's own (the bundled sample never holds one): an analyst sees everything
# exact, the North West hub its region's schemes, the manager one North West scheme in full.
export KHI_ACCESS_DIR="$PWD/$dir/access"
rm -rf "$KHI_ACCESS_DIR"
scheme="$(.venv/bin/python -c 'from kpi.data import paths, store
t = store.read_table(paths.BUNDLED_SAMPLE_DIR, "schemes").to_pandas()
print(sorted(t.loc[t.area_code == "E12000002", "scheme_id"])[0])')"
.venv/bin/python -m kpi users add analyst@example.org --role analyst --by try-sign-in >/dev/null
.venv/bin/python -m kpi users add hub.northwest@example.org --role hub --region E12000002 --by try-sign-in >/dev/null
.venv/bin/python -m kpi users add manager@example.org --role scheme_manager --scheme "$scheme" --by try-sign-in \
    >/dev/null

say "starting the dashboard: open http://127.0.0.1:${app_port} (not localhost) and press Sign in"
# Loopback only: the mock provider lets anyone sign in as anyone.
.venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.port "$app_port" --secrets.files "$secrets" "$@"
