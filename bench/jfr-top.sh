#!/usr/bin/env bash
# bench/jfr-top.sh FILE.jfr [N] [EVENTS]: the N hottest Java methods of a JFR recording, from its
# execution samples (EVENTS, default jdk.ExecutionSample: threads running Java code; add
# jdk.NativeMethodSample for threads inside native methods such as epoll_wait and socket I/O):
# "self" counts samples whose top frame is the method, "total" samples with the method anywhere
# on the stack. Uses the JDK's `jfr` tool only.
set -euo pipefail
f="$1"; n="${2:-25}"; events="${3:-jdk.ExecutionSample}"
command -v jfr >/dev/null 2>&1 || { echo "jfr-top.sh: the JDK's jfr tool is not on the PATH" >&2; exit 3; }
jfr print --events "$events" --stack-depth 64 "$f" | awk -v n="$n" '
  /^jdk\.(ExecutionSample|NativeMethodSample)/ { inst = 0; depth = 0; delete onstack; samples++ }
  /stackTrace = \[/ { inst = 1; next }
  inst && /^[[:space:]]*\]/ { inst = 0; next }
  inst {
    line = $0; sub(/^[[:space:]]+/, "", line); sub(/[[:space:]]+line:.*$/, "", line); sub(/\(.*$/, "", line)
    if (line == "" || line == "...") next
    if (depth++ == 0) self[line]++
    if (!(line in onstack)) { onstack[line] = 1; total[line]++ }
  }
  END {
    printf "%d execution samples\n", samples
    printf "%7s %7s  %s\n", "self%", "total%", "method"
    for (m in self) printf "%7.1f %7.1f  %s\n", 100 * self[m] / samples, 100 * total[m] / samples, m | "sort -rn | head -" n
  }'
