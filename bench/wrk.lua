-- wrk script for bench/run.sh.
--
-- 1. Loopback only: wrk would connect to every address the URL's host resolves to (and test-
--    connect each one first); we pin it to 127.0.0.1 while keeping the host name in the URL, so
--    that the TLS SNI and the Host header still say "localhost".
-- 2. Pacing: with BENCH_RATE=R (requests/s, all connections together) and BENCH_CONNS=C, each
--    connection waits C/R seconds after a response before its next request. That approximates a
--    fixed rate (wrk 4 has no -R; wrk2 is not in Debian). It is closed-loop: a slow response
--    delays the next request of that connection, so latencies are not corrected for
--    coordinated omission the way wrk2's are.
-- 3. One machine-readable summary line (BENCH ...) for run.sh to parse.

local rate = tonumber(os.getenv("BENCH_RATE") or "0") or 0
local conns = tonumber(os.getenv("BENCH_CONNS") or "1") or 1

wrk.resolve = function(host, service)
   wrk.addrs = wrk.lookup("127.0.0.1", service)
end

if rate > 0 then
   local pause_ms = math.floor(conns * 1000 / rate + 0.5)
   function delay()
      return pause_ms
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d bytes=%d sockerr=%d status=%d timeout=%d p50_us=%d p99_us=%d mean_us=%.1f\n",
      summary.requests, summary.duration, summary.bytes,
      e.connect + e.read + e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99), latency.mean))
end
