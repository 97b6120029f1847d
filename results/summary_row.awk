# summary_row.awk: one row of the benchmark tables in results/ (consensus.md, eventual/) from
# the summary `faultline run FILE` prints: events, wall time, events per second, messages and
# persisted bytes per ok operation, latency p50/p99 of the majority side. The row starts with
# -v head (default: the protocol -v p and the run's verdict). Used by results/paxos/bench.sh,
# results/zab/bench.sh and results/eventual/bench.sh, so their columns mean the same.
$1 == "events" { ev = $2 }
$1 == "messages" { sent = $3 }
$1 == "operations" { ok = $5; gsub(/,/, "", ok) }
$1 == "majority" { p50 = $(NF - 4); p99 = $(NF - 2); gsub(/;/, "", p50) }
$1 == "time" { wall = $5; gsub(/s/, "", wall) }
$1 == "verdict" { v = $2 }
$1 == "persisted_bytes" { pb = $3 }
$1 == "metrics" && $2 == "persisted_bytes" { pb = $4 }
END {
  if (head == "") head = p " | " v
  printf "| %s | %.2f M | %.2f s | %.2f M | %.2f | %s | %s | %.1f |\n",
         head, ev / 1e6, wall, ev / wall / 1e6, sent / ok, p50, p99, pb / ok
}
