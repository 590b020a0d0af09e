#!/usr/bin/env bash
# Issue 14: relay throughput on loopback, timed until every message reached the sink.
# The load generator and the sink are the `relay_load` bench of mxr-tests, one Rust
# process: it sends N messages, one per SMTP session, and a message counts as arrived
# when the sink has answered its final dot with 250. Peers, measured in turn in each run:
#   ceiling  the generator straight into the sink (the machine's limit through it)
#   postfix  a private Postfix instance as a relay-only MX for bench.test
#   mxr      mxr with three example plugins, fsync and encryption on
# Rows: 4 KB and 64 KB at concurrency 20, 64 KB at concurrency 100, and real mail at
# concurrency 20 (mail-parser's and CPython's test messages, the project's fixtures and
# corpora, and generated business mail with personal data: about 6.5 KB a message).
# Each figure is the median of RUNS runs. Then what purpose limitation costs (mxr built
# with feature unenforced-baseline beside the enforcing build), and mxr's peak resident
# memory holding 1,000 concurrent SMTP sessions.
#
# Needs root: it installs postfix if missing and runs a private instance. Ports
# 30025-30028 must be free (it refuses to start otherwise); the system's own Postfix is
# left alone. It stops only what it started, by PID, on every exit.
#
#   bench/relay-vs-postfix.sh                 # N=2000 RUNS=3
#   RUNS=1 N=300 bench/relay-vs-postfix.sh    # a quick check
#   PROFILE=4096@20 RUNS=1 bench/relay-vs-postfix.sh   # mxr alone under perf record -g
#
# With PROFILE=ROW it measures only mxr (and the ceiling) on that row, recording mxr's
# call graphs with perf (to PERF_OUT, /tmp/mxr-relay.perf.data) and printing its CPU
# time and context switches per message; Postfix is not needed then.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
RUNS=${RUNS:-3}
SINK=30025 PF_PORT=30026 MXR_PORT=30027 FULL_PORT=30028
for port in $SINK $PF_PORT $MXR_PORT $FULL_PORT; do
    if [ -n "$(ss -Htln "sport = :$port")" ]; then
        echo "port $port is in use (another benchmark run?): not starting" >&2
        exit 1
    fi
done

MXR_PIDS=() LOAD_PID="" PERF_PID="" PF_STARTED="" PF_ALTERNATE=""
cleanup() {
    [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
    [ -n "$PERF_PID" ] && kill -INT "$PERF_PID" 2>/dev/null || true
    local pid
    for pid in "${MXR_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${MXR_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    stop_postfix
    rm -rf "$W"
}

# load ARGS...: the generator and sink, run in the background so that cleanup can stop it.
load() {
    "$W/bin/relay_load" --sink "127.0.0.1:$SINK" --n "$N" --runs "$RUNS" "$@" &
    LOAD_PID=$!
    wait "$LOAD_PID"
    LOAD_PID=""
}

start_postfix() {
    local pf="$W/postfix"
    mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
    chown postfix "$pf/data"
    cp /etc/postfix/master.cf "$pf/etc/"
    sed -i "s/^smtp      inet  n       -       y       -       -       smtpd/127.0.0.1:$PF_PORT inet n - n - - smtpd/" "$pf/etc/master.cf"
    sed -i -E 's/^([a-z]+ +(unix|inet|fifo|pass|unix-dgram) +[-ny] +[-ny] +)y/\1n/' "$pf/etc/master.cf"
    # Postfix's default outbound concurrency per destination (20) in every row.
    cat > "$pf/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = pf.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = bench.test
transport_maps = inline:{ bench.test=smtp:[127.0.0.1]:$SINK }
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
local_transport = error:local delivery is disabled
default_destination_concurrency_limit = 20
default_process_limit = 200
CF
    # postfix -c needs the directory listed in the system's main.cf: restored on exit.
    PF_ALTERNATE=$(postconf -h alternate_config_directories)
    postconf -e "alternate_config_directories = $pf/etc"
    PF_STARTED=1
    postfix -c "$pf/etc" start >/dev/null 2>&1
    sleep 1
}

# Stops the private instance (its master, by the PID file in its own queue) and puts
# the system's main.cf back as it was.
stop_postfix() {
    [ -n "$PF_STARTED" ] || return 0
    postfix -c "$W/postfix/etc" stop >/dev/null 2>&1 || true
    postconf -e "alternate_config_directories = $PF_ALTERNATE"
    PF_STARTED=""
}

# start_mxr BINARY PORT NAME: a fresh mxr on its own data dir; its PID in MXR_PID.
start_mxr() {
    local d="$W/$3"
    rm -rf "$d"
    mkdir -p "$d/plugins"
    cp "$W"/plugins/*.wasm "$d/plugins/"
    cat > "$W/$3.toml" <<CF
version = 1
[server]
hostname = "mxr.bench.test"
data_dir = "$d"
region = "nl"
[server.limits]
max_connections = 2000
# Every load client is 127.0.0.1: lift the per-address shares (fair intake) so the
# benchmark measures throughput, not the limits.
max_connections_per_ip = 2000
connections_per_ip_per_minute = 1000000
messages_per_ip_per_minute = 1000000
# Postfix checks no SPF/DKIM/DMARC here: neither does mxr, so like is compared with
# like (and the machine's resolver stays out of it). Authentication's own cost is
# the authentication bench of mxr-tests.
[dns]
authenticate = false
[[tenant]]
id = "bench"
domains = ["bench.test"]
plugins = ["sender-policy", "attachment-guard", "spam-score"]
[tenant.authorise]
sender-policy = "spam-filtering"
attachment-guard = "malware-scanning"
spam-score = "spam-filtering"
[tenant.next_hop]
kind = "smtp"
host = "127.0.0.1"
port = $SINK
tls = "none"
region = "nl"
CF
    "$1" serve --config "$W/$3.toml" --listen "127.0.0.1:$2" > "$W/$3.out" 2>"$W/$3.log" &
    MXR_PID=$!
    MXR_PIDS+=("$MXR_PID")
    local waited=0
    until grep -q listening "$W/$3.out" 2>/dev/null; do
        kill -0 "$MXR_PID" 2>/dev/null && [ $waited -lt 600 ] || { cat "$W/$3.log" >&2; exit 1; }
        sleep 0.1
        waited=$((waited + 1))
    done
}

# stop_mxr PID: stops one mxr this script started and forgets its PID (so that cleanup
# never signals a PID the system has since given to another process).
stop_mxr() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local kept=() pid
    for pid in "${MXR_PIDS[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
    MXR_PIDS=("${kept[@]}")
}

W=$(mktemp -d /tmp/mxr-bench.XXXXXX)
mkdir -p "$W/bin"
chmod 755 "$W"
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -n "${PROFILE:-}" ] || command -v postfix >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; }

# built ARGS...: runs cargo ARGS, prints the path of each artefact it made (the JSON
# messages name them, wherever the target dir is).
built() {
    cargo "$@" --locked -q --message-format=json-render-diagnostics |
        grep -o '"\(executable\|filenames\)":[^]]*' | grep -o '/[^"]*\(/mxr\|/relay_load-[0-9a-f]*\|\.wasm\)"' | tr -d '"' | sort -u
}

# Private copies of everything measured: another checkout sharing the target dir may
# rebuild meanwhile.
echo "building (release)..." >&2
cp "$(built build --release -p mxr)" "$W/bin/mxr"
rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
mkdir -p "$W/plugins"
built build --release --target wasm32-wasip2 -p spam-score -p attachment-guard -p sender-policy | xargs -I{} cp {} "$W/plugins/"
cp "$(built bench --no-run -p mxr-tests --bench relay_load)" "$W/bin/relay_load"
cp "$(built build --release -p mxr --features unenforced-baseline)" "$W/bin/mxr-baseline"
# Leave the enforcing binary in the shared target dir, not the baseline.
built build --release -p mxr >/dev/null

# profile ROW: mxr alone under ROW's load, perf recording its call graphs, then its CPU
# time and context switches per message it took (warm-up included; the switches of
# threads that have exited since are not counted).
profile() {
    local out=${PERF_OUT:-/tmp/mxr-relay.perf.data} messages=$((N * RUNS + 100)) tick
    tick=$(getconf CLK_TCK)
    start_mxr "$W/bin/mxr" "$MXR_PORT" mxr
    perf record -F 999 -g -p "$MXR_PID" -o "$out" 2>"$W/perf.log" &
    PERF_PID=$!
    sleep 1
    kill -0 "$PERF_PID" 2>/dev/null || { cat "$W/perf.log" >&2; PERF_PID=""; exit 1; }
    load --peer ceiling=sink --peer mxr="$MXR_PORT" --row "$1"
    kill -INT "$PERF_PID"
    wait "$PERF_PID" || true
    PERF_PID=""
    awk -v m=$messages -v t="$tick" '{ printf "mxr CPU per message: user %.0f µs, system %.0f µs\n", $14 * 1e6 / t / m, $15 * 1e6 / t / m }' "/proc/$MXR_PID/stat"
    cat /proc/"$MXR_PID"/task/*/status 2>/dev/null | awk -v m=$messages '/^voluntary_ctxt/ { v += $2 } /^nonvoluntary_ctxt/ { n += $2 }
        END { printf "context switches per message: %.1f voluntary, %.1f involuntary\n", v / m, n / m }' || true
    stop_mxr "$MXR_PID"
    echo "call graphs: perf report -i $out --no-children"
}
if [ -n "${PROFILE:-}" ]; then
    profile "$PROFILE"
    exit 0
fi

start_postfix
start_mxr "$W/bin/mxr" "$MXR_PORT" mxr
echo "== relay throughput (sink: relay_load's own, counting 250s to the final dot)"
load --peer ceiling=sink --peer postfix="$PF_PORT" --peer mxr="$MXR_PORT" \
    --row 4096@20 --row 65536@20 --row 65536@100 --row real@20
stop_postfix
stop_mxr "$MXR_PID"

# What purpose limitation costs: a build in which every plugin gets every category in
# full (feature unenforced-baseline: nothing detected or redacted) beside the enforcing
# build, both fresh, measured in turn in each run. Cost = 1 - enforced/all-full.
start_mxr "$W/bin/mxr-baseline" "$FULL_PORT" mxr-baseline
BASE_PID=$MXR_PID
start_mxr "$W/bin/mxr" "$MXR_PORT" mxr
echo "== purpose limitation: enforcing mxr against every grant full"
load --peer all-full="$FULL_PORT" --peer enforced="$MXR_PORT" --row 4096@20 --row 65536@20 --row real@20
stop_mxr "$BASE_PID"
stop_mxr "$MXR_PID"

start_mxr "$W/bin/mxr" "$MXR_PORT" mxr
# Peak memory with 1,000 concurrent sessions (each greeted and EHLO'd, then held).
python3 - "$MXR_PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1]); socks = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", port)); s.recv(512); s.sendall(b"EHLO load.test\r\n"); socks.append(s)
for s in socks: s.recv(4096)
time.sleep(1)
print("1000 sessions open")
for s in socks: s.close()
PY
echo "mxr peak resident memory: $(grep VmHWM /proc/$MXR_PID/status | awk '{printf "%.1f MB", $2/1024}') (VmHWM of a fresh enforcing mxr holding 1,000 sessions)"
