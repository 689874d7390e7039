#!/usr/bin/env bash
# bench/run.sh: Junction next to HAProxy (and a direct connection, the limit) on this machine,
# in one run, with equivalent configurations, the way a user comparing routers would measure.
#
#   bench/run.sh              3 interleaved rounds, 10 s per scenario, 10,000 idle connections;
#                             writes the results into docs/benchmarks.md (between its markers)
#   bench/run.sh --smoke      1 round, 2 s per scenario, 1,000 idle connections; writes nothing
#                             into docs/ (the table goes to stdout and a temporary file)
#   bench/run.sh --help       every option
#
# Installs nothing unless --install is given: it names the Debian packages it needs and exits.
# All traffic goes to 127.0.0.1; every wait and every load run is bounded in time; the
# processes it starts and its temporary folder are removed on exit (trap).
set -Eeuo pipefail
trap 'echo "bench/run.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)"
BENCH="$ROOT/bench"

# ------------------------------------------------------------------ options
ROUNDS=3
DURATION=10          # seconds per measured scenario
WARMUP=10            # seconds per warm-up scenario after each proxy start (JIT: Junction needs it)
IDLE=10000           # idle connections held open through the proxy's plain TCP listener
RATE=1000            # requests/s for the latency scenario
SMOKE=0
INSTALL=0
KEEP=0
JFR=0
PERF=0
OUT=""
PROXIES="direct,haproxy,junction"
ONLY=""             # --scenarios: a subset of the scenarios (for experiments; the docs need all)
PORT_BASE="${BENCH_PORT_BASE:-23000}"

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  --smoke            1 round, 2 s per scenario, 1 s warm-up, 1000 idle connections; does not
                     touch docs/benchmarks.md unless --out is given
  --rounds N         interleaved rounds (default $ROUNDS); medians are reported
  --duration S       seconds per scenario (default $DURATION)
  --warmup S         seconds per warm-up scenario after each proxy start (default $WARMUP)
  --idle N           idle connections for the RSS measurement (default $IDLE)
  --rate R           requests/s of the fixed-rate latency scenario (default $RATE)
  --proxies LIST     subset of direct,haproxy,junction (default all)
  --scenarios LIST   subset of $(echo tls_new tls_ka http_host bulk_tls bulk_tcp iperf_tcp h2_ka latency idle | tr ' ' ,)
                     (default all; for experiments: a partial run never rewrites docs/benchmarks.md)
  --out FILE         markdown file to write the results into (default docs/benchmarks.md;
                     with --smoke a temporary file). An existing file keeps everything outside
                     its <!-- bench:begin --> / <!-- bench:end --> markers.
  --jfr              record Junction with JFR (profile settings) in each round and print its
                     hottest methods; the recordings are kept under bench/target/jfr/
  --perf             profile each proxy with Linux perf (cpu-clock, kernel and user space; for
                     Junction with the JIT's symbol map from jcmd Compiler.perfmap) during every
                     scenario; the top symbols go to bench/target/perf/. Profiling costs CPU, so
                     such a run's numbers are not a measurement: it writes no docs unless --out
  --keep             keep the temporary folder (configs, logs, raw outputs)
  --install          apt-get install the missing Debian packages (asks nothing; needs root)
  --help             this text
Environment: BENCH_PORT_BASE (default 23000; ports BASE+80..BASE+1445 on 127.0.0.1 are used),
JUNCTION_JAVA_OPTS (passed to bin/junction), JAVA_HOME.
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) SMOKE=1; ROUNDS=1; DURATION=2; WARMUP=1; IDLE=1000 ;;
    --rounds) ROUNDS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --idle) IDLE="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --proxies) PROXIES="$2"; shift ;;
    --scenarios) ONLY="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --jfr) JFR=1 ;;
    --perf) PERF=1 ;;
    --keep) KEEP=1 ;;
    --install) INSTALL=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in "$ROUNDS" "$DURATION" "$WARMUP" "$IDLE" "$RATE" "$PORT_BASE"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "bench/run.sh: not a number: $n" >&2; exit 2; }
done
(( ROUNDS >= 1 && ROUNDS <= 20 && DURATION >= 1 && DURATION <= 600 && IDLE <= 30000 )) \
  || { echo "bench/run.sh: rounds 1..20, duration 1..600 s, idle <= 30000" >&2; exit 2; }

log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ------------------------------------------------------------------ what we need
# command -> Debian package
declare -A PKG=([haproxy]=haproxy [nginx]=nginx [wrk]=wrk [openssl]=openssl [curl]=curl
                [java]=openjdk-17-jdk-headless [iperf3]=iperf3 [h2load]=nghttp2-client
                [mvn]=maven [ss]=iproute2)
REQUIRED=(haproxy nginx wrk openssl curl java)
OPTIONAL=(iperf3 h2load ss)
missing=()
for c in "${REQUIRED[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
if [[ ! -x "$ROOT/distribution/target/junction/bin/junction" ]] && ! command -v mvn >/dev/null 2>&1; then
  missing+=(mvn)
fi
missing_opt=()
for c in "${OPTIONAL[@]}"; do command -v "$c" >/dev/null 2>&1 || missing_opt+=("$c"); done
if (( ${#missing[@]} + ${#missing_opt[@]} > 0 )); then
  pkgs=(); for c in "${missing[@]}" "${missing_opt[@]}"; do pkgs+=("${PKG[$c]}"); done
  if (( INSTALL )); then
    log "installing: ${pkgs[*]}"
    # policy-rc.d-style: do not let the packages start their system services (port 80 etc.).
    export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
    apt-get update -qq && apt-get install -y -qq "${pkgs[@]}"
    for c in haproxy nginx; do
      if command -v systemctl >/dev/null 2>&1; then systemctl stop "$c" >/dev/null 2>&1 || true; fi
    done
  elif (( ${#missing[@]} > 0 )); then
    req=(); for c in "${missing[@]}"; do req+=("${PKG[$c]}"); done
    echo "bench/run.sh: missing commands: ${missing[*]}" >&2
    echo "  needed:   apt-get install -y ${req[*]}" >&2
    (( ${#missing_opt[@]} )) && echo "  optional: apt-get install -y $(for c in "${missing_opt[@]}"; do printf '%s ' "${PKG[$c]}"; done)(rows: ${missing_opt[*]})" >&2
    echo "  or run bench/run.sh --install" >&2
    exit 3
  else
    log "optional tools missing (their rows are skipped): ${missing_opt[*]} -> apt-get install -y $(for c in "${missing_opt[@]}"; do printf '%s ' "${PKG[$c]}"; done)"
  fi
fi
has() { command -v "$1" >/dev/null 2>&1; }

if [[ ! -x "$ROOT/distribution/target/junction/bin/junction" ]]; then
  log "distribution missing: mvn -q -DskipTests install"
  (cd "$ROOT" && mvn -q -DskipTests install)
fi

# ------------------------------------------------------------------ workspace and cleanup
TMP="$(mktemp -d "${TMPDIR:-/tmp}/junction-bench.XXXXXX")"
PIDS=()   # processes this script started and has not yet waited for
untrack() { local keep=() p; for p in "${PIDS[@]}"; do [[ "$p" == "$1" ]] || keep+=("$p"); done; PIDS=(${keep[@]+"${keep[@]}"}); }
cleanup() {
  local rc=$?
  trap - ERR
  set +e
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null; done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if (( KEEP )); then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Raise the descriptor limit: every idle client connection is two descriptors in the proxy (the
# client side and the server side), and HAProxy refuses to start when 2 x maxconn does not fit.
want_fds=$(( IDLE * 2 + 2000 ))
if (( $(ulimit -Hn) < want_fds )); then ulimit -Hn "$want_fds" 2>/dev/null || true; fi
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < want_fds )); then
  new_idle=$(( ( ($(ulimit -n) - 2000) / 2 ) / 500 * 500 ))
  log "ulimit -n is $(ulimit -n) and cannot be raised here: idle connections reduced from $IDLE to $new_idle"
  IDLE=$new_idle
fi
MAXCONN=$(( IDLE + 500 ))

# Ports, all on 127.0.0.1.
P_TLS=$((PORT_BASE + 443))        # proxy: TLS passthrough routed by SNI (the article's block)
P_TCP=$((PORT_BASE + 80))         # proxy: plain TCP to nginx's plain port
P_HTTP=$((PORT_BASE + 81))        # proxy: mode http, routed by Host
P_IPERF=$((PORT_BASE + 201))      # proxy: plain TCP to iperf3
B_TLS=$((PORT_BASE + 1443))       # nginx TLS (the SNI "localhost" server)
B_TLS1=$((PORT_BASE + 1444))      # nginx TLS (app1.example.com, an earlier rule)
B_NONE=$((PORT_BASE + 1445))      # nothing listens: a misrouted connection fails loudly
B_HTTP=$((PORT_BASE + 1080))      # nginx plain HTTP
B_IPERF=$((PORT_BASE + 1201))     # iperf3 server
for p in $P_TLS $P_TCP $P_HTTP $P_IPERF $B_TLS $B_TLS1 $B_NONE $B_HTTP $B_IPERF; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "bench/run.sh: 127.0.0.1:$p is in use; choose another BENCH_PORT_BASE" >&2; exit 4
  fi
done

# h2load has no way to connect to one address while sending another SNI: only run it where
# "localhost" resolves to 127.0.0.1 alone, so that it cannot try another address.
H2LOAD_OK=0
if has h2load && [[ "$(getent ahosts localhost | awk '{print $1}' | sort -u | tr '\n' ' ')" == "127.0.0.1 " ]]; then
  H2LOAD_OK=1
fi

CLK_TCK=$(getconf CLK_TCK)

# ------------------------------------------------------------------ backends: nginx (+ iperf3)
log "workspace $TMP"
mkdir -p "$TMP/www" "$TMP/nginx-tmp" "$TMP/out"
printf 'hello from nginx\n' > "$TMP/www/small"
head -c $((16 * 1024 * 1024)) /dev/urandom > "$TMP/www/big"
# nginx's workers run as an unprivileged user: let them reach the documents (the key stays 0600,
# read by the master).
chmod 711 "$TMP"; chmod -R a+rX "$TMP/www"
# P-256 keeps the handshake cheap for client and server, so that a full handshake per connection
# loads the proxy as much as possible.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,DNS:app1.example.com \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1

cat > "$TMP/nginx.conf" <<EOF
# One worker: on a 2-core machine the backend must leave CPU to the proxy and the load generator.
worker_processes 1;
worker_rlimit_nofile $(ulimit -n);
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections $(( $(ulimit -n) - 100 )); multi_accept on; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  # Idle connections that never send a request are held for the RSS measurement.
  client_header_timeout 600s;
  client_body_temp_path $TMP/nginx-tmp/body;
  proxy_temp_path $TMP/nginx-tmp/proxy;
  fastcgi_temp_path $TMP/nginx-tmp/fastcgi;
  uwsgi_temp_path $TMP/nginx-tmp/uwsgi;
  scgi_temp_path $TMP/nginx-tmp/scgi;
  server {
    listen 127.0.0.1:$B_HTTP backlog=4096;
    root $TMP/www;
  }
  server {
    listen 127.0.0.1:$B_TLS ssl http2 backlog=4096;
    listen 127.0.0.1:$B_TLS1 ssl http2;
    ssl_certificate $TMP/cert.pem;
    ssl_certificate_key $TMP/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    # No resumption: every new connection is a full handshake.
    ssl_session_cache off;
    ssl_session_tickets off;
    root $TMP/www;
  }
}
EOF

wait_ports() { # timeout_ms port... -> 0 when all accept
  local deadline=$(( $(date +%s%3N) + $1 )); shift
  local p
  for p in "$@"; do
    until (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
      (( $(date +%s%3N) < deadline )) || return 1
      sleep 0.05
    done
  done
}

nginx -p "$TMP" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" -g 'daemon off;' >"$TMP/nginx.out" 2>&1 &
PIDS+=($!)
wait_ports 10000 "$B_HTTP" "$B_TLS" || { cat "$TMP/nginx-error.log" "$TMP/nginx.out" >&2; echo "nginx did not start" >&2; exit 5; }
if has iperf3; then
  iperf3 -s -B 127.0.0.1 -p "$B_IPERF" >"$TMP/iperf3-server.out" 2>&1 &
  PIDS+=($!)
  wait_ports 5000 "$B_IPERF" || { log "iperf3 server did not start; iperf3 row skipped"; }
fi

# ------------------------------------------------------------------ proxy configurations
# One text for both proxies: the article's `listen https-server` block (SNI passthrough), a
# plain TCP listener, and (separately, so that its absence can be detected) a mode http
# frontend routed by Host.
tcp_cfg() {
  cat <<EOF
global
    maxconn $MAXCONN

defaults
    mode tcp
    timeout connect 5s
    timeout client 300s
    timeout server 300s

listen https-server
    bind 127.0.0.1:$P_TLS
    mode tcp
    tcp-request inspect-delay 10s
    tcp-request content accept if { req.ssl_hello_type 1 }
    tcp-request content reject if WAIT_END
    use-server app1-tls if { req.ssl_sni -i app1.example.com }
    server app1-tls 127.0.0.1:$B_TLS1 weight 0
    use-server app2-tls if { req.ssl_sni -i localhost }
    server app2-tls 127.0.0.1:$B_TLS weight 0
    server default 127.0.0.1:$B_NONE

listen tcp-plain
    bind 127.0.0.1:$P_TCP
    mode tcp
    server web 127.0.0.1:$B_HTTP

listen tcp-iperf
    bind 127.0.0.1:$P_IPERF
    mode tcp
    server iperf 127.0.0.1:$B_IPERF
EOF
}
http_cfg() {
  cat <<EOF

frontend http-in
    bind 127.0.0.1:$P_HTTP
    mode http
    timeout http-request 10s
    use_backend web-http if { hdr_dom(host) -i localhost }
    default_backend none-http

backend web-http
    mode http
    server web 127.0.0.1:$B_HTTP

backend none-http
    mode http
    server none 127.0.0.1:$B_NONE
EOF
}
{ tcp_cfg; http_cfg; } > "$TMP/haproxy.cfg"
{ tcp_cfg; http_cfg; } > "$TMP/junction.cfg"
tcp_cfg > "$TMP/junction-tcp.cfg"

HAPROXY_HTTP=1
haproxy -c -q -f "$TMP/haproxy.cfg" || { echo "bench/run.sh: haproxy rejects the generated config" >&2; exit 5; }

# A snapshot of the distribution: a concurrent `mvn install` must not swap jars under a run.
JHOME="$TMP/junction"
cp -r "$ROOT/distribution/target/junction" "$JHOME"
JUNCTION_HTTP=1
JUNCTION_HTTP_NOTE=""
JCFG="$TMP/junction.cfg"
# A keyword whose plugin is not installed is "pending" (reported, exit 0, not served): Junction's
# mode http is there only when the junction-http bundle is.
if ! "$JHOME/bin/junction" -c -f "$JCFG" >"$TMP/junction-check.out" 2>&1 \
    || grep -q 'pending' "$TMP/junction-check.out"; then
  if "$JHOME/bin/junction" -c -f "$TMP/junction-tcp.cfg" >"$TMP/junction-check-tcp.out" 2>&1 \
      && ! grep -q 'pending' "$TMP/junction-check-tcp.out"; then
    JUNCTION_HTTP=0
    JCFG="$TMP/junction-tcp.cfg"
    JUNCTION_HTTP_NOTE="$(grep -m1 -E 'mode http|hdr_dom|http' "$TMP/junction-check.out" | sed 's/^.*junction\.cfg:[0-9]*: //' || true)"
    log "Junction: mode http not available (${JUNCTION_HTTP_NOTE:-see its check output}); its HTTP row is n/a"
  else
    cat "$TMP/junction-check-tcp.out" >&2
    echo "bench/run.sh: Junction rejects (or leaves pending) the generated TCP config" >&2; exit 5
  fi
fi

# ------------------------------------------------------------------ proxies
PROXY_PID=""
start_proxy() { # name -> sets PROXY_PID, STARTUP_MS
  local name="$1" t0
  t0=$(date +%s%3N)
  case "$name" in
    direct) PROXY_PID=""; STARTUP_MS=""; return 0 ;;
    haproxy)
      haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/out/haproxy-$ROUND.log" 2>&1 &
      PROXY_PID=$! ;;
    junction)
      local opts="${JUNCTION_JAVA_OPTS:-}"
      JUNCTION_JAVA_OPTS="$opts" "$JHOME/bin/junction" -f "$JCFG" --state "$TMP/jstate" \
        >"$TMP/out/junction-$ROUND.log" 2>&1 &
      PROXY_PID=$! ;;
  esac
  PIDS+=("$PROXY_PID")
  local ports=("$P_TLS" "$P_TCP")
  if [[ "$name" == haproxy ]] || (( JUNCTION_HTTP )); then ports+=("$P_HTTP"); fi
  if ! wait_ports 30000 "${ports[@]}"; then
    tail -20 "$TMP/out/$name-$ROUND.log" >&2
    echo "bench/run.sh: $name did not listen within 30 s" >&2; exit 6
  fi
  STARTUP_MS=$(( $(date +%s%3N) - t0 ))
}
stop_proxy() {
  [[ -n "$PROXY_PID" ]] || return 0
  kill -TERM "$PROXY_PID" 2>/dev/null || true
  for _ in $(seq 1 200); do kill -0 "$PROXY_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PROXY_PID" 2>/dev/null || true
  wait "$PROXY_PID" 2>/dev/null || true
  untrack "$PROXY_PID"
  rm -f "/tmp/perf-$PROXY_PID.map"   # written by jcmd Compiler.perfmap (--perf)
  PROXY_PID=""
  wait_quiet
}
# Until no socket on a proxy port is closing (FIN_WAIT, LAST_ACK, ...): those, unlike TIME_WAIT,
# make the next proxy's bind fail even with SO_REUSEADDR. Bounded: 60 s.
wait_quiet() {
  has ss || { sleep 2; return 0; }
  local filter="( sport = :$P_TLS or sport = :$P_TCP or sport = :$P_HTTP or sport = :$P_IPERF )"
  for _ in $(seq 1 600); do
    (( $(ss -Htan "$filter" 2>/dev/null | awk '$1 != "TIME-WAIT"' | wc -l) == 0 )) && return 0
    sleep 0.1
  done
  log "  sockets on the proxy ports still closing after 60 s: $(ss -Htan "$filter" | awk '{print $1}' | sort | uniq -c | tr '\n' ' ')"
}

cpu_ticks() { # "utime stime" of a process (fields 14 and 15 of /proc/PID/stat), in clock ticks
  [[ -n "$1" ]] || { echo "0 0"; return; }
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12, $13}'
}
status_kb() { # pid field -> kB
  [[ -n "$1" ]] || { echo ""; return; }
  awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}
reset_hwm() { # Linux >= 4.0: "5" resets VmHWM to the current RSS
  [[ -n "$1" ]] && echo 5 > "/proc/$1/clear_refs" 2>/dev/null || true
}

# ------------------------------------------------------------------ scenarios
# Each prints one line "ops unit seconds p50_us p99_us errors" on stdout (empty on failure).
url_for() { # proxy kind -> URL
  local proxy="$1" kind="$2"
  case "$proxy:$kind" in
    direct:tls) echo "https://localhost:$B_TLS" ;;
    direct:tcp|direct:http) echo "http://localhost:$B_HTTP" ;;
    *:tls) echo "https://localhost:$P_TLS" ;;
    *:tcp) echo "http://localhost:$P_TCP" ;;
    *:http) echo "http://localhost:$P_HTTP" ;;
  esac
}
run_wrk() { # seconds conns rate url path [extra wrk args] ; -> ops unit secs p50 p99 errors
  local secs="$1" conns="$2" rate="$3" url="$4" path="$5"; shift 5
  local out="$TMP/out/wrk.$$.$RANDOM"
  BENCH_RATE="$rate" BENCH_CONNS="$conns" timeout $(( secs + 30 )) \
    wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s -s "$BENCH/wrk.lua" "$@" "$url$path" >"$out" 2>&1 || true
  cat "$out" >> "$TMP/out/wrk-all.log"
  awk '/^BENCH /{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%s req %.3f %s %s %s %s\n", v["requests"], v["duration_us"] / 1e6, v["p50_us"], v["p99_us"],
             v["sockerr"] + v["status"] + v["timeout"], v["bytes"]
    }' "$out"
}
scenario() { # name proxy seconds -> "ops unit secs p50 p99 errors"
  local name="$1" proxy="$2" secs="$3" r
  case "$name" in
    tls_new) # new TLS connection per request: full handshake, routed by SNI
      run_wrk "$secs" 16 0 "$(url_for "$proxy" tls)" /small -H 'Connection: close' | awk '{print $1, "conn", $3, $4, $5, $6}' ;;
    tls_ka)  # keep-alive TLS passthrough
      run_wrk "$secs" 32 0 "$(url_for "$proxy" tls)" /small | awk '{print $1, "req", $3, $4, $5, $6}' ;;
    http_host) # mode http, routed by Host
      if [[ "$proxy" == junction ]] && (( ! JUNCTION_HTTP )); then echo ""; return; fi
      run_wrk "$secs" 32 0 "$(url_for "$proxy" http)" /small | awk '{print $1, "req", $3, $4, $5, $6}' ;;
    bulk_tls) # 16 MiB responses through TLS passthrough; ops = MB received
      run_wrk "$secs" 4 0 "$(url_for "$proxy" tls)" /big | awk '{printf "%.1f MB %s %s %s %s\n", $7 / 1e6, $3, $4, $5, $6}' ;;
    bulk_tcp) # 16 MiB responses through plain TCP
      run_wrk "$secs" 4 0 "$(url_for "$proxy" tcp)" /big | awk '{printf "%.1f MB %s %s %s %s\n", $7 / 1e6, $3, $4, $5, $6}' ;;
    iperf_tcp) # iperf3 through plain TCP (one stream)
      has iperf3 || { echo ""; return; }
      local port=$P_IPERF; [[ "$proxy" == direct ]] && port=$B_IPERF
      r="$TMP/out/iperf.$RANDOM"
      timeout $(( secs + 30 )) iperf3 -c 127.0.0.1 -p "$port" -t "$secs" -f M >"$r" 2>&1 || true
      cat "$r" >> "$TMP/out/iperf-all.log"
      # "[  5]   0.00-10.00  sec  12345 MBytes  1234 MBytes/sec   receiver"
      # (the transfer column scales its unit by itself; the rate column is in MBytes/sec = MiB/s)
      awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "MBytes/sec") { rate = $(i - 1); break }
                        split($3, t, "-"); printf "%.1f MB %.3f - - 0\n", rate * t[2] * 1.048576, t[2] }' "$r" ;;
    h2_ka) # HTTP/2 over TLS passthrough, 8 connections x 16 streams
      (( H2LOAD_OK )) || { echo ""; return; }
      local url; url="$(url_for "$proxy" tls)/small"
      r="$TMP/out/h2load.$RANDOM"
      timeout $(( secs + 30 )) h2load -c 8 -m 16 -D "$secs" "$url" >"$r" 2>&1 || true
      cat "$r" >> "$TMP/out/h2load-all.log"
      # "requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed, 0 errored, 0 timeout"
      awk -v secs="$secs" '/^requests:/ { ok = $8; fail = $10 + $12 + $14 }
                           END { if (ok != "") printf "%s req %s - - %d\n", ok, secs, fail }' "$r" ;;
    latency) # paced keep-alive TLS passthrough at RATE req/s over 10 connections
      run_wrk "$secs" 10 "$RATE" "$(url_for "$proxy" tls)" /small | awk '{print $1, "req", $3, $4, $5, $6}' ;;
  esac
}
SCENARIOS=(tls_new tls_ka http_host bulk_tls bulk_tcp iperf_tcp h2_ka latency)
RUN_IDLE=1
if [[ -n "$ONLY" ]]; then
  IFS=',' read -r -a wanted <<<"$ONLY"
  kept=()
  RUN_IDLE=0
  for w in "${wanted[@]}"; do
    case " ${SCENARIOS[*]} idle " in
      *" $w "*) if [[ "$w" == idle ]]; then RUN_IDLE=1; else kept+=("$w"); fi ;;
      *) echo "bench/run.sh: unknown scenario $w" >&2; exit 2 ;;
    esac
  done
  SCENARIOS=(${kept[@]+"${kept[@]}"})
fi

RESULTS="$TMP/results.tsv"
printf 'round\tproxy\tscenario\tops\tunit\tseconds\tcpu_s\thwm_kb\tp50_us\tp99_us\terrors\tsys_s\n' > "$RESULTS"
record() { local IFS=$'\t'; echo "$*" >> "$RESULTS"; }

measure() { # proxy scenario seconds
  local proxy="$1" name="$2" secs="$3" u0 s0 u1 s1 line hwm cpu sys
  local perf_pid=""
  if (( PERF )) && [[ -n "$PROXY_PID" ]]; then
    mkdir -p "$BENCH/target/perf"
    perf record -q -F 1999 -e cpu-clock -p "$PROXY_PID" -o "$BENCH/target/perf/$proxy-$name-$ROUND.data" \
      >/dev/null 2>&1 &
    perf_pid=$!
    PIDS+=("$perf_pid")
    sleep 0.3
  fi
  reset_hwm "$PROXY_PID"
  read -r u0 s0 <<<"$(cpu_ticks "$PROXY_PID")"
  line="$(scenario "$name" "$proxy" "$secs")"
  read -r u1 s1 <<<"$(cpu_ticks "$PROXY_PID")"
  if [[ -n "$perf_pid" ]]; then
    [[ "$proxy" == junction ]] && jcmd "$PROXY_PID" Compiler.perfmap >/dev/null 2>&1
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    untrack "$perf_pid"
    perf report -i "$BENCH/target/perf/$proxy-$name-$ROUND.data" --no-children --sort dso,sym --stdio 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | sed -n 1,60p > "$BENCH/target/perf/$proxy-$name-$ROUND.txt" || true
    perf report -i "$BENCH/target/perf/$proxy-$name-$ROUND.data" --no-children --sort dso --stdio 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | sed -n 1,15p > "$BENCH/target/perf/$proxy-$name-$ROUND.dso.txt" || true
  fi
  hwm=$(status_kb "$PROXY_PID" VmHWM)
  if [[ -z "$line" ]]; then
    record "$ROUND" "$proxy" "$name" "" "" "" "" "" "" "" "" ""
    log "  $proxy $name: n/a"
    return
  fi
  read -r ops unit seconds p50 p99 errors <<<"$line"
  cpu=$(awk -v t=$(( u1 - u0 + s1 - s0 )) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  sys=$(awk -v t=$(( s1 - s0 )) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }')
  [[ "$proxy" == direct ]] && cpu="" && sys="" && hwm=""
  record "$ROUND" "$proxy" "$name" "$ops" "$unit" "$seconds" "$cpu" "${hwm:-}" "$p50" "$p99" "$errors" "$sys"
  log "  $proxy $name: $ops $unit in ${seconds}s, proxy cpu ${cpu:--}s (sys ${sys:--}s), hwm ${hwm:--}kB, p50 ${p50}us p99 ${p99}us, errors $errors"
}

idle_test() { # proxy -> records RSS with IDLE idle passthrough connections
  local proxy="$1"
  [[ "$proxy" == direct ]] && return 0
  local out="$TMP/out/idle-$proxy-$ROUND.out" before after open backend="" cpid
  before=$(status_kb "$PROXY_PID" VmRSS)
  : > "$out"
  timeout 300 java -Xmx256m -Xss256k "$BENCH/IdleClient.java" 127.0.0.1 "$P_TCP" "$IDLE" 5 120 >"$out" 2>&1 &
  cpid=$!
  PIDS+=("$cpid")
  for _ in $(seq 1 1800); do grep -q '^open=' "$out" && break; kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
  after=$(status_kb "$PROXY_PID" VmRSS)
  open=$(sed -n 's/^open=//p' "$out")
  if has ss; then backend=$(ss -Htn state established "( sport = :$B_HTTP )" 2>/dev/null | wc -l); fi
  kill -TERM "$cpid" 2>/dev/null || true
  wait "$cpid" 2>/dev/null || true
  untrack "$cpid"
  record "$ROUND" "$proxy" idle_rss "${open:-0}" conn "" "" "$after" "" "" "$(( IDLE - ${open:-0} ))" ""
  log "  $proxy idle: $(head -1 "$out"), open=${open:-?}, backend side established=${backend:-?}, RSS ${before} kB -> ${after} kB"
  # Let the proxy close the pairs before the next proxy starts.
  for _ in $(seq 1 100); do
    if has ss; then (( $(ss -Htn state established "( sport = :$B_HTTP )" 2>/dev/null | wc -l) < 10 )) && break; fi
    sleep 0.1
  done
}

# ------------------------------------------------------------------ the run
IFS=',' read -r -a PROXY_LIST <<<"$PROXIES"
for p in "${PROXY_LIST[@]}"; do
  case "$p" in direct|haproxy|junction) ;; *) echo "bench/run.sh: unknown proxy $p" >&2; exit 2 ;; esac
done
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
T_START=$(date +%s)
log "rounds=$ROUNDS duration=${DURATION}s warmup=${WARMUP}s idle=$IDLE rate=${RATE}/s proxies=$PROXIES load=$LOAD_START"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  n=${#PROXY_LIST[@]}
  for ((k = 0; k < n; k++)); do
    proxy="${PROXY_LIST[$(( (k + ROUND - 1) % n ))]}"   # rotate the order every round
    log "round $ROUND/$ROUNDS: $proxy"
    start_proxy "$proxy"
    [[ -n "${STARTUP_MS:-}" ]] && record "$ROUND" "$proxy" startup "" ms "$(awk -v m="$STARTUP_MS" 'BEGIN{printf "%.3f", m/1000}')" "" "" "" "" "" ""
    # Sanity: the SNI route must reach nginx (a misroute goes to a closed port).
    body="$(curl -sk --max-time 5 --resolve "localhost:$P_TLS:127.0.0.1" --resolve "localhost:$B_TLS:127.0.0.1" "$(url_for "$proxy" tls)/small" || true)"
    [[ "$body" == "hello from nginx" ]] || { log "  $proxy: SNI route check failed (got '$body')"; exit 7; }
    for w in tls_new tls_ka http_host bulk_tcp; do scenario "$w" "$proxy" "$WARMUP" >/dev/null; done
    if (( JFR )) && [[ "$proxy" == junction ]]; then
      # After the warm-up, so that the profile shows the steady state rather than start-up.
      mkdir -p "$BENCH/target/jfr"
      jcmd "$PROXY_PID" JFR.start name=bench settings=profile \
        filename="$BENCH/target/jfr/junction-round$ROUND.jfr" >/dev/null 2>&1 || log "  JFR.start failed"
    fi
    for s in ${SCENARIOS[@]+"${SCENARIOS[@]}"}; do measure "$proxy" "$s" "$DURATION"; done
    if (( JFR )) && [[ "$proxy" == junction ]]; then
      jcmd "$PROXY_PID" JFR.stop name=bench >/dev/null 2>&1 || log "  JFR.stop failed"
    fi
    (( RUN_IDLE )) && idle_test "$proxy"
    stop_proxy
  done
done
T_END=$(date +%s)
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

if (( JFR )); then
  for f in "$BENCH"/target/jfr/junction-round*.jfr; do
    [[ -f "$f" ]] || continue
    log "JFR $f: hottest methods (self samples)"
    "$BENCH/jfr-top.sh" "$f" 25 >&2 || true
  done
fi

# ------------------------------------------------------------------ report
JUNCTION_COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  JUNCTION_COMMIT="$JUNCTION_COMMIT (working tree with uncommitted changes)"
fi
# (sed -n 1p rather than head: reading to the end spares the writer a SIGPIPE under pipefail)
JAVA_VERSION="$( (java -version 2>&1 || true) | sed -n 2p)"
HAPROXY_VERSION="$( (haproxy -v 2>&1 || true) | sed -n 1p)"
NGINX_VERSION="$( (nginx -v 2>&1 || true) | sed -n 1p)"
WRK_VERSION="$( (wrk -v 2>&1 || true) | sed -n 1p | cut -d' ' -f1-2)"
JTRANSPORT="$( (grep -ho 'transport [a-z_]* with [0-9]* worker threads' "$TMP"/out/junction-*.log 2>/dev/null || true) | sed -n 1p)"
CPU_MODEL="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
MEM_GB="$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"

REPORT="$TMP/report.md"
{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC') (${ROUNDS} round(s), ${DURATION} s per scenario, $(( (T_END - T_START) / 60 )) min in all)."
  echo
  echo "- machine: $(nproc) CPUs, ${CPU_MODEL:-unknown CPU}, $MEM_GB, Linux $(uname -r)"
  echo "- load average (1/5/15 min) at start: $LOAD_START; at end: $LOAD_END"
  echo "- Junction $JUNCTION_COMMIT; JVM: $JAVA_VERSION; ${JTRANSPORT:-transport unknown}; JUNCTION_JAVA_OPTS='${JUNCTION_JAVA_OPTS:-}'"
  echo "- $HAPROXY_VERSION (default nbthread: one per CPU); $NGINX_VERSION (1 worker); $WRK_VERSION (1 thread)"
  (( JUNCTION_HTTP )) || echo "- Junction's mode http was not available in this distribution: ${JUNCTION_HTTP_NOTE:-its configuration check failed}"
  echo
  awk -F'\t' -v smoke="$SMOKE" -f "$BENCH/report.awk" "$RESULTS"
  echo
  echo "<details><summary>Raw results (one line per round, proxy and scenario)</summary>"
  echo
  echo '```'
  column -t -s $'\t' "$RESULTS" 2>/dev/null || cat "$RESULTS"
  echo '```'
  echo
  echo "</details>"
} > "$REPORT"

cat "$REPORT"

if [[ -z "$OUT" ]]; then
  if (( SMOKE || PERF )) || [[ -n "$ONLY" ]]; then OUT="${TMPDIR:-/tmp}/junction-bench-smoke.md"; else OUT="$ROOT/docs/benchmarks.md"; fi
fi
if [[ -f "$OUT" ]] && grep -q '<!-- bench:begin -->' "$OUT" && grep -q '<!-- bench:end -->' "$OUT"; then
  awk -v report="$REPORT" '
    /<!-- bench:begin -->/ { print; while ((getline line < report) > 0) print line; skip = 1; next }
    /<!-- bench:end -->/ { skip = 0 }
    !skip { print }' "$OUT" > "$OUT.new" && mv "$OUT.new" "$OUT"
else
  { echo "# Benchmarks"; echo; echo "Generated by \`bench/run.sh\`."; echo; echo "<!-- bench:begin -->";
    cat "$REPORT"; echo "<!-- bench:end -->"; } > "$OUT"
fi
log "results written to $OUT"
