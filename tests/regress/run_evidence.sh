#!/usr/bin/env bash
# run_evidence.sh: what the outputs say about their own completeness (issue 24), end to end.
#   * the corpus capture sv-http-pipeline-files-with-gap.pcap (skipped, saying so, when absent):
#     report.xml and the JSON log list its 733-byte hole at offset 25947 of the server's flow;
#   * every line of the JSON log of every generated and corpus capture parses as JSON and has
#     the documented connection and direction fields;
#   * every report.xml is well-formed and namespace-well-formed (xmllint, when installed).
set -u
srcdir=$(cd "${top_srcdir:-.}" && pwd)
builddir=$(cd "${top_builddir:-.}" && pwd)
tcpflow=$builddir/src/tcpflow
gen=$builddir/tests/gen_capture
corpus=${TCPFLOW_CORPUS:-$srcdir/../shared/corpus}
work=$builddir/tests/regress/evidence
rm -rf "$work" && mkdir -p "$work/in" "$work/out"
passed=0
failed=0
check() {  # name status message
  if [ "$2" -eq 0 ]; then
    echo "ok $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1: $3"
    failed=$((failed + 1))
  fi
}

# Checks every line of the JSON log $1: parses, has the documented fields; prints the first
# problem.
json_problems() {
  python3 - "$1" <<'PY'
import json, sys
connection = ["first_time", "last_time", "community_id", "protocol", "src_ip", "src_port",
              "dst_ip", "dst_port", "vlan", "client", "server"]
direction = ["file", "stored_bytes", "stream_bytes", "wire_bytes", "packets", "first_time",
             "last_time", "handshake", "close", "missing_bytes", "missing_at_end", "holes",
             "hole_list", "retransmitted_bytes", "overlap_bytes", "conflict_bytes",
             "out_of_order_segments", "incomplete", "anomalies", "digests", "results"]
with open(sys.argv[1], "rb") as f:
    for number, raw in enumerate(f, 1):
        try:
            line = json.loads(raw.decode("utf-8"))
        except Exception as e:
            print(f"line {number}: {e}")
            sys.exit(0)
        missing = [k for k in connection if k not in line]
        for side in ("client", "server"):
            if line.get(side) is not None:
                missing += [side + "." + k for k in direction if k not in line[side]]
        if missing or not line["community_id"].startswith("1:"):
            print(f"line {number}: missing {missing} or bad community_id")
            sys.exit(0)
PY
}

captures=()
for name in basic holes_both hole_filled midstream retx_diff overlap_partial rst reuse timeout \
  interleaved20 vlan qinq ipv6 frag_v4 http_plain http_hole http_pipelined; do
  "$gen" "$name" "$work/in/$name.pcap" >/dev/null 2>&1 && captures+=("$work/in/$name.pcap")
done
if [ -f "$corpus/MANIFEST.tsv" ]; then
  for file in "$corpus"/*.pcap "$corpus"/*.pcapng; do
    [ -f "$file" ] && captures+=("$file")
  done
else
  echo "SKIP corpus: no $corpus/MANIFEST.tsv (generated captures only)"
fi
have_xmllint=0
if command -v xmllint >/dev/null 2>&1; then
  have_xmllint=1
else
  echo "SKIP xmllint checks: xmllint is not installed (Debian: libxml2-utils)"
fi

for capture in "${captures[@]}"; do
  base=$(basename "$capture")
  out=$work/out/$base
  "$tcpflow" -r "$capture" -o "$out" -e md5 -e http -S "json=$out.json" >/dev/null 2>"$out.err"
  problems=$(json_problems "$out.json" 2>&1)
  check "$base: every JSON line parses and has the documented fields" \
    "$([ -z "$problems" ] && echo 0 || echo 1)" "$problems"
  if [ "$have_xmllint" = 1 ] && [ -f "$out/report.xml" ]; then
    xmllint --noout "$out/report.xml" 2>"$out.xmllint"
    check "$base: report.xml is well-formed (namespaces too)" $? "$(head -c 300 "$out.xmllint")"
  fi
done

gap=$corpus/sv-http-pipeline-files-with-gap.pcap
if [ -f "$gap" ]; then
  out=$work/gap
  "$tcpflow" -r "$gap" -o "$out" -S "json=$out.json" >/dev/null 2>&1
  server="$out/216.239.138.068.00080-192.168.122.155.51001"
  # The server's <fileobject>: from its <filename> to </fileobject>.
  entry=$(sed -n "\\|<filename>$server</filename>|,\\|</fileobject>|p" "$out/report.xml")
  grep -q "<tcpflow:hole offset='25947' length='733' />" <<<"$entry"
  check "gap: report.xml lists the 733-byte hole at 25947 in the server's entry" $? "$entry"
  grep -q "missing_bytes='733'" <<<"$entry"
  check "gap: report.xml counts 733 missing bytes" $? "$entry"
  python3 -c '
import json, sys
line = json.loads(open(sys.argv[1]).readline())
sys.exit(0 if line["server"]["hole_list"] == [[25947, 733]] and line["server"]["missing_bytes"] == 733 else 1)
' "$out.json"
  check "gap: the JSON log lists the hole in the server's direction" $? "$(head -c 400 "$out.json")"
else
  echo "SKIP gap: $gap is not there"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
