#!/usr/bin/env bash
# Relay throughput, measured until delivered at Postfix's smtp-sink, all on loopback:
#   ceiling  smtp-source straight into smtp-sink (the machine's limit)
#   postfix  a private Postfix instance as a relay-only MX for bench.test
#   mxr      mxr with three example plugins, fsync and encryption on
# for N messages of 4 KB and 64 KB at concurrency 20; then mxr's peak resident memory
# holding 1,000 concurrent SMTP sessions. Needs root (it installs postfix and runs a
# private instance on ports 30025-30027; the system's own Postfix is left alone).
#
#   bench/relay-vs-postfix.sh            # N=2000
#   N=500 bench/relay-vs-postfix.sh      # quicker
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
CONC=${CONC:-20}
SINK=30025 PF_PORT=30026 MXR_PORT=30027
W=$(mktemp -d /tmp/mxr-bench.XXXXXX)
chmod 755 "$W"
trap 'cleanup' EXIT

command -v smtp-source >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; }
rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
cargo build --release --locked -q -p mxr
cargo build --release --locked -q --target wasm32-wasip2 -p spam-score -p attachment-guard -p sender-policy

cleanup() {
    [ -n "${MXR_PID:-}" ] && kill "$MXR_PID" 2>/dev/null || true
    postfix -c "$W/postfix/etc" stop >/dev/null 2>&1 || true
    stop_sink
    rm -rf "$W"
}

# Stops the smtp-sink this script started, by its PID (never another process).
stop_sink() {
    if [ -n "${SINK_PID:-}" ]; then
        kill "$SINK_PID" 2>/dev/null || true
        wait "$SINK_PID" 2>/dev/null || true
        SINK_PID=""
    fi
}

start_sink() {
    stop_sink
    smtp-sink -c -u postfix "127.0.0.1:$SINK" 1024 > "$W/sink.out" 2>&1 &
    SINK_PID=$!
    sleep 0.3
}

sink_count() {
    tr '\r' '\n' < "$W/sink.out" | grep -ao 'mesg=[0-9]*' | tail -1 | cut -d= -f2 || true
}

# rate PORT SIZE: messages per second from the first send until all N are at the sink.
rate() {
    # rate runs in $(...), a subshell: the sink it starts is stopped when that subshell
    # ends, on the timeout's exit too (the parent never learns its PID).
    trap stop_sink EXIT
    start_sink
    local start end got
    start=$(date +%s.%N)
    smtp-source -s "$CONC" -m "$N" -l "$2" -f load@src.test -t rcpt@bench.test "127.0.0.1:$1" >/dev/null 2>&1
    until [ "$(sink_count)" = "$N" ]; do
        got=$(sink_count)
        if [ "$(echo "$(date +%s.%N) - $start > 300" | bc)" = 1 ]; then echo "timeout with ${got:-0}/$N at the sink" >&2; exit 1; fi
        sleep 0.01
    done
    end=$(date +%s.%N)
    echo "scale=1; $N / ($end - $start)" | bc
}

start_postfix() {
    local pf="$W/postfix"
    mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
    chown postfix "$pf/data"
    cp /etc/postfix/master.cf "$pf/etc/"
    sed -i "s/^smtp      inet  n       -       y       -       -       smtpd/127.0.0.1:$PF_PORT inet n - n - - smtpd/" "$pf/etc/master.cf"
    sed -i -E 's/^([a-z]+ +(unix|inet|fifo|pass|unix-dgram) +[-ny] +[-ny] +)y/\1n/' "$pf/etc/master.cf"
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
default_destination_concurrency_limit = $CONC
default_process_limit = 200
CF
    postconf -e "alternate_config_directories = $pf/etc"
    postfix -c "$pf/etc" start >/dev/null 2>&1
    sleep 1
}

# start_mxr: mxr (or $MXR_BIN) on a fresh data dir.
start_mxr() {
    local d="$W/mxr"
    rm -rf "$d"
    mkdir -p "$d/plugins"
    for p in spam_score attachment_guard sender_policy; do cp "target/wasm32-wasip2/release/$p.wasm" "$d/plugins/"; done
    cat > "$W/mxr.toml" <<CF
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
    "${MXR_BIN:-target/release/mxr}" serve --config "$W/mxr.toml" --listen "127.0.0.1:$MXR_PORT" > "$W/mxr.out" 2>"$W/mxr.log" &
    MXR_PID=$!
    until grep -q listening "$W/mxr.out" 2>/dev/null; do sleep 0.1; done
}

start_postfix
start_mxr
echo "relaying N=$N messages at concurrency $CONC, until delivered at smtp-sink (msg/s):"
printf '%-6s %10s %10s %10s %12s %12s\n' size ceiling postfix mxr mxr/postfix mxr/ceiling
declare -A enforced
for size in 4096 65536; do
    c=$(rate "$SINK" "$size")
    p=$(rate "$PF_PORT" "$size")
    m=$(rate "$MXR_PORT" "$size")
    enforced[$size]=$m
    printf '%-6s %10s %10s %10s %11.2fx %11.0f%%\n' "$((size / 1024))KB" "$c" "$p" "$m" "$(echo "$m / $p" | bc -l)" "$(echo "100 * $m / $c" | bc -l)"
done

# What purpose limitation costs: the same run with a build in which every plugin gets
# every category in full (feature unenforced-baseline: nothing detected or redacted),
# started fresh and measured in the same order as the enforcing mxr above.
kill "$MXR_PID"; wait "$MXR_PID" 2>/dev/null || true
cargo build --release --locked -q -p mxr --features unenforced-baseline
cp target/release/mxr "$W/mxr-baseline"
cargo build --release --locked -q -p mxr
MXR_BIN="$W/mxr-baseline" start_mxr
echo "purpose limitation: enforced vs every grant full (msg/s):"
printf '%-6s %10s %10s %10s\n' size enforced all-full cost
for size in 4096 65536; do
    f=$(rate "$MXR_PORT" "$size")
    printf '%-6s %10s %10s %9.0f%%\n' "$((size / 1024))KB" "${enforced[$size]}" "$f" "$(echo "100 * (1 - ${enforced[$size]} / $f)" | bc -l)"
done

kill "$MXR_PID"; wait "$MXR_PID" 2>/dev/null || true
start_mxr

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
