#!/usr/bin/env bash
# run_netviz.sh: the netviz scanner's report.pdf. For generated captures (and the corpus when
# ../shared/corpus is present), it must be a one-page PDF that pdftoppm renders at 611x792 pt,
# and its header and top-N lines (pdftotext) must equal those of tcpflow 1.6.1's report.pdf
# for the same capture, when the reference is installed. Skips without poppler-utils (pdftotext,
# pdftoppm, pdfinfo); skips the corpus captures, saying so, when the corpus is absent.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
srcdir=$(cd "$srcdir" && pwd)
builddir=$(cd "${top_builddir:-.}" && pwd)
tcpflow=$builddir/src/tcpflow
gen=$builddir/tests/gen_capture
reference=${REFERENCE_TCPFLOW:-}
work=$builddir/tests/regress/netviz
rm -rf "$work" && mkdir -p "$work"
passed=0
failed=0
check() {  # name condition-result message
  if [ "$2" -eq 0 ]; then echo "ok $1"; passed=$((passed + 1)); else echo "FAIL $1: $3"; failed=$((failed + 1)); fi
}
if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null ||
  ! command -v pdfinfo >/dev/null; then
  echo "SKIP: pdftotext/pdftoppm/pdfinfo (poppler-utils) not installed"
  echo "0 passed, 0 failed"
  exit 77
fi
if ! "$tcpflow" -H | grep -q "^  netviz (off by default)"; then
  echo "SKIP: this tcpflow was built without cairo (netviz unavailable)"
  echo "0 passed, 0 failed"
  exit 77
fi
# The lines that state facts about the capture (input, dates, totals, transports, top-N lists),
# one per line and sorted: side-by-side charts come out of pdftotext on one line or on two.
# An empty capture's date range is a documented difference (1.6.1 prints 1970).
facts() {
  pdftotext -raw "$1" - 2>/dev/null | sed 's/ \([0-9]) \)/\n\1/g' |
    grep -E '^(Input:|Date range:|Packets analyzed:|Transports:|[0-9]\) |No (TCP|Source Ports|Destination Ports))' |
    grep -v '^Date range: \(none (no packets)\|1970-01-01 00:00:00 -- 1970-01-01 00:00:00\)$' |
    sed 's/ *$//' | LC_ALL=C sort
}

captures=()
for scenario in demo basic ipv6 vlan many_small empty; do
  "$gen" "$scenario" "$work/$scenario.pcap" && captures+=("$work/$scenario.pcap")
done
corpus=${TCPFLOW_CORPUS:-$srcdir/../shared/corpus}
if [ -f "$corpus/MANIFEST.tsv" ]; then
  for f in dpkt-http.pcap pp-650HttpResponses.pcap cs-http-espn.pcapng; do
    [ -f "$corpus/$f" ]
    check "corpus has $f" $? "missing from $corpus"
    captures+=("$corpus/$f")
  done
else
  echo "SKIP corpus: no $corpus/MANIFEST.tsv (generated captures only)"
fi

for cap in "${captures[@]}"; do
  name=$(basename "$cap")
  out=$work/ours-$name
  "$tcpflow" -r "$cap" -o "$out" -e netviz 2>"$work/$name.stderr"
  check "$name: exit status" $? "$(head -c 300 "$work/$name.stderr")"
  pages=$(pdfinfo "$out/report.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
  size=$(pdfinfo "$out/report.pdf" 2>/dev/null | awk '/^Page size:/ {print $3 "x" $5}')
  check "$name: one page of 611x792 pt" $([ "$pages" = 1 ] && [ "$size" = 611x792 ]; echo $?) \
    "pages=$pages size=$size"
  pdftoppm -png -r 36 "$out/report.pdf" "$work/$name" && [ -s "$work/$name-1.png" ]
  check "$name: renders to PNG" $? "pdftoppm failed"
  facts "$out/report.pdf" >"$work/$name.ours"
  grep -q "^Packets analyzed: " "$work/$name.ours"
  check "$name: header lines" $? "$(head -5 "$work/$name.ours")"
  if [ -n "$reference" ] && [ -x "$reference" ]; then
    (cd "$work" && "$reference" -r "$cap" -o "$work/ref-$name" -e netviz >/dev/null 2>&1)
    if [ -f "$work/ref-$name/report.pdf" ]; then
      facts "$work/ref-$name/report.pdf" >"$work/$name.ref"
      diff "$work/$name.ref" "$work/$name.ours" >"$work/$name.diff"
      check "$name: same facts as tcpflow 1.6.1" $? "$(head -c 600 "$work/$name.diff")"
    fi
  fi
done
# -a turns netviz on with the other scanners.
"$tcpflow" -r "$work/demo.pcap" -o "$work/all" -a 2>"$work/all.stderr"
rc=$?
check "-a: exit status" $rc "$(cat "$work/all.stderr")"
[ -s "$work/all/report.pdf" ] && grep -q "<hashdigest type='MD5'>" "$work/all/report.xml" &&
  ls "$work/all" | grep -q -- "-HTTPBODY-001.html$"
check "-a: report.pdf, MD5 digests and HTTP bodies" $? "$(ls "$work/all")"
# An output folder where report.pdf cannot be created: a clear error, non-zero exit.
mkdir -p "$work/ro/report.pdf"
"$tcpflow" -r "$work/demo.pcap" -o "$work/ro" -e netviz 2>"$work/ro.stderr"
rc=$?
check "unwritable report.pdf: exit 1" $([ $rc -eq 1 ]; echo $?) "exit $rc"
grep -q "report.pdf" "$work/ro.stderr"
check "unwritable report.pdf: message names it" $? "$(cat "$work/ro.stderr")"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
