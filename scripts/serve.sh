#!/usr/bin/env bash
# Serve the dashboard to a room: HAProxy (sticky by cookie) in front of N `streamlit run app.py` workers.
#
# Usage: bash scripts/serve.sh [--port 8501] [--workers N] [--data DIR] [--address 0.0.0.0] [--secrets FILE]
#                              [--run-dir DIR] [--no-warm] [--warm-budget S] [-- extra `streamlit run` options]
#   --port      where people connect (HAProxy listens here; default 8501)
#   --workers   Streamlit processes (default: the number of cores); each listens on a free loopback port
#   --data      the store every worker reads (default: KHI_DATA_DIR, else the bundled sample data/sample)
#   --address   the address HAProxy listens on (default 0.0.0.0: the room; 127.0.0.1 for this machine only)
#   --secrets   a secrets.toml for every worker (sign-in); default: .streamlit/secrets.toml when it exists
#   --run-dir   the generated haproxy.cfg, logs, pid files and HAProxy's stats socket (default artifacts/serve-PORT)
#   --no-warm   do not open every page's common views on each worker once it is up (perf/warm.py; on by default, so
#               a room meets warm pages; "==> warm:" says when it is done)
#   --warm-budget  seconds of warming per worker at most (default 600)
#
# The workers share one cache folder (KHI_SHARED_CACHE, default RUN_DIR/cache, emptied at start; ui/cache.py): a
# figure one worker has computed, the others read.
#
# A worker that exits is restarted; HAProxy's health checks and `option redispatch` send its people to another worker
# meanwhile. Ctrl+C or SIGTERM stops HAProxy and every worker. Why each part is there: docs/deployment.md.
set -euo pipefail
caller="$PWD"  # relative paths given on the command line are the caller's, not the repository's
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

port=8501
workers="$(nproc 2>/dev/null || echo 2)"
address=0.0.0.0
data="${KHI_DATA_DIR:-}"
secrets=""
run_dir=""
warm=1
warm_budget=600
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --port|--workers|--data|--address|--secrets|--run-dir|--warm-budget)
            [ $# -ge 2 ] || { say "$1 needs a value (see --help)"; exit 2; }
            case "$1" in
                --port) port="$2" ;;
                --workers) workers="$2" ;;
                --data) data="$2" ;;
                --address) address="$2" ;;
                --secrets) secrets="$2" ;;
                --run-dir) run_dir="$2" ;;
                --warm-budget) warm_budget="$2" ;;
            esac
            shift 2 ;;
        --) shift; extra=("$@"); break ;;
        --no-warm) warm=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) say "unknown option: $1 (see --help)"; exit 2 ;;
    esac
done

if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    say "--port must be 1-65535"
    exit 2
fi
if ! [[ "$warm_budget" =~ ^[0-9]+$ ]]; then
    say "--warm-budget must be a whole number of seconds"
    exit 2
fi
if ! [[ "$workers" =~ ^[0-9]+$ ]] || [ "$workers" -lt 1 ]; then
    say "--workers must be a whole number, 1 or more"
    exit 2
fi
from_caller() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$caller" "$1" ;; esac; }
if [ -z "$data" ]; then data="$PWD/data/sample"; else data="$(from_caller "$data")"; fi
if [ ! -f "$data/manifest.json" ]; then
    say "no store at $data (no manifest.json): make one with 'python -m kpi ingest' or 'python -m kpi sample'"
    exit 2
fi
data="$(cd "$data" && pwd)"
if [ -n "$secrets" ]; then
    secrets="$(from_caller "$secrets")"
    [ -f "$secrets" ] || { say "--secrets: no file at $secrets"; exit 2; }
    secrets="$(cd "$(dirname "$secrets")" && pwd)/$(basename "$secrets")"
fi
if [ -n "$run_dir" ]; then run_dir="$(from_caller "$run_dir")"; else run_dir="artifacts/serve-$port"; fi
mkdir -p "$run_dir"
run_dir="$(cd "$run_dir" && pwd)"

ensure_venv requirements.txt
haproxy="$(haproxy_path)"

# Free loopback ports for the workers, all held at once so they differ (released just before the workers bind them),
# and never HAProxy's own port: it is not bound yet, so the system could hand it out (a worker then never starts).
mapfile -t worker_ports < <(.venv/bin/python -c '
import socket, sys
wanted, front = int(sys.argv[1]), int(sys.argv[2])
socks, ports = [], []
while len(ports) < wanted:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
    if s.getsockname()[1] != front:
        ports.append(s.getsockname()[1])
print("\n".join(map(str, ports)))
' "$workers" "$port")

servers=""
for ((i = 0; i < workers; i++)); do
    servers+="    server w$((i + 1)) 127.0.0.1:${worker_ports[i]} cookie w$((i + 1))"$'\n'
done
cfg="$(<deploy/haproxy.cfg.template)"
cfg="${cfg//@BIND@/$address}"
cfg="${cfg//@PORT@/$port}"
cfg="${cfg//@RUN_DIR@/$run_dir}"
cfg="${cfg//@SERVERS@/${servers%$'\n'}}"
printf '%s\n' "$cfg" > "$run_dir/haproxy.cfg"
if ! "$haproxy" -c -q -f "$run_dir/haproxy.cfg"; then
    say "HAProxy rejected the generated config $run_dir/haproxy.cfg (from deploy/haproxy.cfg.template)"
    exit 1
fi

# Every worker reads the same store and signs cookies with the same secret (sign-in's [auth] cookie_secret, when set
# in secrets.toml, takes precedence in Streamlit; this one covers Streamlit's other signed cookies).
export KHI_DATA_DIR="$data" PYTHONUNBUFFERED=1
# One cache folder for every worker (ui/cache.py), the server's own: emptied at start (results of an older release or
# store are not kept), private to this user (its files are pickles).
export KHI_SHARED_CACHE="${KHI_SHARED_CACHE:-$run_dir/cache}"
mkdir -p -m 700 "$KHI_SHARED_CACHE"
chmod 700 "$KHI_SHARED_CACHE"
find "$KHI_SHARED_CACHE" -maxdepth 1 \( -name '*.pickle' -o -name '.*.tmp' \) -delete
: > "$run_dir/warm.log"  # this start's warming only
export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$(.venv/bin/python -c \
    'import secrets; print(secrets.token_hex(32))')}"
worker_cmd=(.venv/bin/python -m streamlit run app.py --server.address 127.0.0.1 --server.headless true
            --browser.gatherUsageStats false)
if [ -n "$secrets" ]; then
    worker_cmd+=(--secrets.files "$secrets")
elif [ -f .streamlit/secrets.toml ]; then
    secrets="$PWD/.streamlit/secrets.toml"
fi
worker_cmd+=("${extra[@]}")

haproxy_pid=""
pids=()      # worker i's current pid (its own process group: setsid)
started=()   # $SECONDS when it was started
fails=()     # exits in a row that came soon after a start (for the back-off)
restart_at=() # when a dead worker is due to be started again ("" while it runs)
to_warm=()   # 1 while a worker has started and is still to be warmed
warm_pids=() # warm jobs running (perf/warm.py)
warm_started=""
sleeper=""
stopping=0

start_worker() {
    local i=$1
    # setsid: its own process group, so stopping it also ends anything it started (kaleido's chromium).
    setsid "${worker_cmd[@]}" --server.port "${worker_ports[i]}" >>"$run_dir/w$((i + 1)).log" 2>&1 </dev/null &
    pids[i]=$!
    started[i]=$SECONDS
    restart_at[i]=""
    to_warm[i]=$warm
    printf '%s\n' "${pids[i]}" > "$run_dir/w$((i + 1)).pid"
}

# Open every page's common views on the given workers, one worker after another, in the background (perf/warm.py):
# the second reads the first one's figures from the shared folder and builds only its charts.
start_warm() {
    local urls=() i
    for i in "$@"; do urls+=(--url "http://127.0.0.1:${worker_ports[i]}"); to_warm[i]=0; done
    setsid .venv/bin/python -m perf.warm --data "$data" --budget "$warm_budget" "${urls[@]}" \
        >>"$run_dir/warm.log" 2>&1 </dev/null &
    warm_pids+=($!)
}

# A warm job that has finished: say what it did (the first time: the room is ready for a crowd).
check_warm() {
    local left=() p
    for p in "${warm_pids[@]}"; do
        if kill -0 "$p" 2>/dev/null; then left+=("$p"); else wait "$p" || true; fi
    done
    if [ "${#warm_pids[@]}" -gt 0 ] && [ "${#left[@]}" = 0 ] && [ -n "$warm_started" ]; then
        say "warm: every page's common views opened on the workers in $((SECONDS - warm_started)) s ($(tail -n 1 \
            "$run_dir/warm.log" 2>/dev/null)); log: $run_dir/warm.log"
        warm_started=""
    fi
    warm_pids=("${left[@]}")
}

# Note a worker that exited and schedule its restart: after 1 s, then doubling up to 30 s while it keeps dying young
# (a broken store or app would otherwise restart in a tight loop).
worker_exited() {
    local i=$1 code=0 ran delay
    wait "${pids[i]}" || code=$?
    ran=$((SECONDS - started[i]))
    if [ "$ran" -lt 30 ]; then fails[i]=$((${fails[i]:-0} + 1)); else fails[i]=0; fi
    delay=$((fails[i] > 5 ? 30 : (fails[i] > 0 ? 1 << (fails[i] - 1) : 1)))
    restart_at[i]=$((SECONDS + delay))
    say "worker w$((i + 1)) (pid ${pids[i]}, port ${worker_ports[i]}) exited with code $code after ${ran} s;" \
        "restarting it in ${delay} s (log: $run_dir/w$((i + 1)).log)"
}

alive_groups() {  # how many of the given process groups still have a process
    local n=0 g
    for g in "$@"; do kill -0 -- "-$g" 2>/dev/null && n=$((n + 1)); done
    echo "$n"
}

cleanup() {
    local code=$?
    [ "$stopping" = 1 ] && return
    stopping=1
    trap - INT TERM HUP
    say "stopping HAProxy and ${#pids[@]} worker(s)"
    local groups=() g
    [ -n "$haproxy_pid" ] && groups+=("$haproxy_pid")
    groups+=("${pids[@]}" "${warm_pids[@]}")
    for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
    if [ -n "$sleeper" ]; then kill "$sleeper" 2>/dev/null || true; fi
    for _ in $(seq 1 100); do
        [ "$(alive_groups "${groups[@]}")" = 0 ] && break
        sleep 0.1
    done
    for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
    rm -f "$run_dir"/w*.pid "$run_dir/haproxy.pid" "$run_dir/serve.pid" "$run_dir/haproxy.sock"
    exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
printf '%s\n' "$$" > "$run_dir/serve.pid"

# HAProxy first, so a port already in use fails at once, before the workers take seconds to start.
setsid "$haproxy" -db -f "$run_dir/haproxy.cfg" >>"$run_dir/haproxy.log" 2>&1 </dev/null &
haproxy_pid=$!
printf '%s\n' "$haproxy_pid" > "$run_dir/haproxy.pid"
sleep 0.5
if ! kill -0 "$haproxy_pid" 2>/dev/null; then
    say "HAProxy did not start (is port $port in use?):"
    tail -n 5 "$run_dir/haproxy.log" >&2
    exit 1
fi
for ((i = 0; i < workers; i++)); do start_worker "$i"; done
say "starting $workers worker(s) on 127.0.0.1 ports ${worker_ports[*]} over $data${secrets:+ (sign-in settings:" \
    "$secrets)}; logs in $run_dir"

# Ready when every worker answers its health check and HAProxy answers for them.
# Every address given answers its health check ("ok"): the workers and HAProxy for "ready", one worker for warming.
healthy() {
    .venv/bin/python -c '
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never through a proxy
for where in sys.argv[1:]:
    try:
        with opener.open(f"http://{where}/_stcore/health", timeout=2) as r:
            assert r.read().strip() == b"ok"
    except Exception:
        sys.exit(1)
' "$@"
}
all_healthy() { healthy "${worker_ports[@]/#/127.0.0.1:}" "$front:$port"; }
worker_healthy() { healthy "127.0.0.1:${worker_ports[$1]}"; }

ready=0
front="$address"
shown="$address"
if [ "$address" = 0.0.0.0 ]; then
    front=127.0.0.1
    shown="$(hostname -f 2>/dev/null || hostname)"
fi
while :; do
    if ! kill -0 "$haproxy_pid" 2>/dev/null; then
        say "HAProxy stopped unexpectedly (see $run_dir/haproxy.log): stopping the workers"
        exit 1
    fi
    for ((i = 0; i < workers; i++)); do
        if [ -z "${restart_at[i]}" ] && ! kill -0 "${pids[i]}" 2>/dev/null; then
            worker_exited "$i"
        elif [ -n "${restart_at[i]}" ] && [ "$SECONDS" -ge "${restart_at[i]}" ]; then
            start_worker "$i"
            say "worker w$((i + 1)) restarted (pid ${pids[i]})"
        fi
    done
    if [ "$ready" = 0 ] && all_healthy; then
        ready=1
        say "ready: http://$shown:$port ($workers worker(s) behind HAProxy, sticky by cookie). Ctrl+C stops everything."
        if [ "$warm" = 1 ]; then
            warm_started=$SECONDS
            start_warm $(seq 0 $((workers - 1)))
        fi
    elif [ "$ready" = 1 ]; then
        for ((i = 0; i < workers; i++)); do  # a restarted worker, warmed once it answers
            if [ "${to_warm[i]}" = 1 ] && [ -z "${restart_at[i]}" ] && worker_healthy "$i"; then start_warm "$i"; fi
        done
    fi
    [ "${#warm_pids[@]}" -gt 0 ] && check_warm
    sleep 1 &
    sleeper=$!
    wait "$sleeper" || true  # returns early when a signal arrives, so Ctrl+C is handled at once
done
