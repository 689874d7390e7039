# bench/report.awk: turns bench/run.sh's results.tsv (one line per round, proxy and scenario)
# into the markdown table of medians, ratios and target verdicts. Called by run.sh with -F'\t'.
#
# Columns: round proxy scenario ops unit seconds cpu_s hwm_kb p50_us p99_us errors sys_s

function add(key, v) { if (v != "" && v != "-") vals[key] = (key in vals) ? vals[key] " " v : v }

function median(key,    n, a, i, j, t) {
    if (!(key in vals)) return ""
    n = split(vals[key], a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}

function fmt(v, digits) { return v == "" ? "–" : sprintf("%." digits "f", v) }

function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "–" : sprintf("%.2fx", a / b) }

NR == 1 { next }
{
    round = $1; proxy = $2; sc = $3; ops = $4; unit = $5; secs = $6; cpu = $7; hwm = $8; p50 = $9; p99 = $10; err = $11; sys = $12
    seen[sc] = 1
    if (sc == "startup") { add(proxy SUBSEP sc SUBSEP "secs", secs); next }
    if (sc == "idle_rss") { add(proxy SUBSEP sc SUBSEP "rss", hwm / 1024); add(proxy SUBSEP sc SUBSEP "open", ops); next }
    if (ops == "") { na[proxy SUBSEP sc] = 1; next }
    units[sc] = unit
    if (secs > 0) add(proxy SUBSEP sc SUBSEP "rate", ops / secs)
    if (cpu != "" && ops > 0) add(proxy SUBSEP sc SUBSEP "cpu", cpu / ops)
    if (cpu != "" && sys != "" && cpu > 0) add(proxy SUBSEP sc SUBSEP "sys", 100 * sys / cpu)
    if (hwm != "") add(proxy SUBSEP sc SUBSEP "hwm", hwm / 1024)
    if (p50 != "-" && p50 != "") add(proxy SUBSEP sc SUBSEP "p50", p50 / 1000)
    if (p99 != "-" && p99 != "") add(proxy SUBSEP sc SUBSEP "p99", p99 / 1000)
    errs[proxy SUBSEP sc] += err
    if (ops > 0) opsum[proxy SUBSEP sc] += ops
}

function cell(proxy, sc, metric, digits,    m) {
    if ((proxy SUBSEP sc) in na && !((proxy SUBSEP sc SUBSEP metric) in vals)) return (sc == "http_host" && proxy == "junction") ? "n/a: mode http not available" : "n/a"
    m = median(proxy SUBSEP sc SUBSEP metric)
    return fmt(m, digits)
}

function row(sc, label, metric, digits, scale, withDirect,    d, h, j) {
    d = median("direct" SUBSEP sc SUBSEP metric); h = median("haproxy" SUBSEP sc SUBSEP metric); j = median("junction" SUBSEP sc SUBSEP metric)
    if (scale != 1) { if (d != "") d *= scale; if (h != "") h *= scale; if (j != "") j *= scale }
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", title[sc], label,
        withDirect ? (d == "" ? cell("direct", sc, metric, digits) : fmt(d, digits)) : "–",
        h == "" ? cell("haproxy", sc, metric, digits) : fmt(h, digits),
        j == "" ? cell("junction", sc, metric, digits) : fmt(j, digits),
        metric == "sys" ? "–" : ratio(j, h), (withDirect && metric != "sys") ? ratio(j, d) : "–"
}

END {
    title["tls_new"] = "(a) new TLS connections, SNI-routed, full handshake each"
    title["tls_ka"] = "(b) keep-alive TLS passthrough (HTTP/1.1, 32 conns)"
    title["h2_ka"] = "(b2) HTTP/2 over TLS passthrough (h2load 8 conns x 16 streams)"
    title["http_host"] = "(c) mode http, Host-routed (32 conns)"
    title["bulk_tls"] = "(d) bulk through TLS passthrough (16 MiB responses, 4 conns)"
    title["bulk_tcp"] = "(d) bulk through plain TCP (16 MiB responses, 4 conns)"
    title["iperf_tcp"] = "(d) bulk through plain TCP (iperf3, 1 stream)"
    title["latency"] = "(e) paced keep-alive TLS passthrough (10 conns)"
    title["idle_rss"] = "idle passthrough connections (count: next row)"
    title["startup"] = "start-up to listening"
    dflt["tls_new"] = "conn"; dflt["tls_ka"] = "req"; dflt["h2_ka"] = "req"; dflt["http_host"] = "req"; dflt["latency"] = "req"
    dflt["bulk_tls"] = "MB"; dflt["bulk_tcp"] = "MB"; dflt["iperf_tcp"] = "MB"

    print "| scenario | metric | direct | HAProxy | Junction | Junction/HAProxy | Junction/direct |"
    print "|---|---|---:|---:|---:|---:|---:|"
    n = split("tls_new tls_ka h2_ka http_host bulk_tls bulk_tcp iperf_tcp latency", order, " ")
    for (i = 1; i <= n; i++) {
        sc = order[i]
        if (!(sc in seen)) continue
        u = (sc in units) ? units[sc] : dflt[sc]
        if (u == "MB") {
            row(sc, "MB/s", "rate", 1, 1, 1)
            row(sc, "proxy CPU ms per MB", "cpu", 3, 1000, 0)
        } else {
            row(sc, u "/s", "rate", 0, 1, 1)
            row(sc, "proxy CPU µs per " u, "cpu", 1, 1e6, 0)
        }
        row(sc, "share of that CPU in the kernel %", "sys", 0, 1, 0)
        if (sc == "latency" || sc == "tls_ka" || sc == "http_host" || sc == "tls_new") {
            row(sc, "p50 latency ms", "p50", 3, 1, 1)
            row(sc, "p99 latency ms", "p99", 3, 1, 1)
        }
        row(sc, "proxy peak RSS MB", "hwm", 1, 1, 0)
    }
    if ("idle_rss" in seen) {
        row("idle_rss", "proxy RSS MB with the connections open", "rss", 1, 1, 0)
        row("idle_rss", "connections still open after 5 s", "open", 0, 1, 0)
    }
    if ("startup" in seen) row("startup", "seconds (median)", "secs", 2, 1, 0)

    # Errors: socket errors, non-2xx, timeouts, h2load failures, idle connections not open.
    e = ""
    for (k in errs) if (errs[k] > 0) { split(k, kk, SUBSEP); e = e sprintf("%s%s %s: %d of %d", e == "" ? "" : "; ", kk[1], kk[2], errs[k], opsum[k]) }
    print ""
    print "Errors over all rounds (socket errors, non-2xx answers, timeouts): " (e == "" ? "none." : e)

    # Targets of issue 8.
    print ""
    print "Targets (issue 8), from the medians above:"
    print ""
    m = split("tls_new tls_ka http_host bulk_tls bulk_tcp", tgt, " ")
    for (i = 1; i <= m; i++) {
        sc = tgt[i]
        h = median("haproxy" SUBSEP sc SUBSEP "cpu"); j = median("junction" SUBSEP sc SUBSEP "cpu")
        if (h == "" || j == "") { printf "- CPU per operation, %s: not measured (%s)\n", title[sc], (("junction" SUBSEP sc) in na) ? "Junction: n/a" : "missing data"; continue }
        r = j / h
        printf "- CPU per operation <= 0.8x HAProxy, %s: %.2fx -> %s\n", title[sc], r,
            r <= 0.8 ? "met" : sprintf("missed (meeting it needs %.0f%% less CPU per operation)", (1 - 0.8 / r) * 100)
    }
    d = median("direct" SUBSEP "latency" SUBSEP "p99"); h = median("haproxy" SUBSEP "latency" SUBSEP "p99"); j = median("junction" SUBSEP "latency" SUBSEP "p99")
    if (d != "" && h != "" && j != "")
        printf "- added p99 latency at a fixed rate <= HAProxy's: Junction +%.3f ms, HAProxy +%.3f ms -> %s\n", j - d, h - d,
            (j - d <= h - d) ? "met" : sprintf("missed by %.3f ms", (j - d) - (h - d))
    h = median("haproxy" SUBSEP "idle_rss" SUBSEP "rss"); j = median("junction" SUBSEP "idle_rss" SUBSEP "rss")
    if (h != "" && j != "")
        printf "- RSS with idle passthrough connections <= 2x HAProxy's: %.1f MB vs %.1f MB = %.2fx -> %s\n", j, h, j / h,
            (j <= 2 * h) ? "met" : sprintf("missed (meeting it needs %.0f%% less RSS)", (1 - 2 * h / j) * 100)
    j = median("junction" SUBSEP "startup" SUBSEP "secs")
    if (j != "") printf "- start-up to listening < 2 s: %.2f s -> %s\n", j, j < 2 ? "met" : "missed"
    if (smoke == 1) { print ""; print "(smoke run: 1 round of 2 s per scenario; numbers are a functional check, not a measurement)" }
}
