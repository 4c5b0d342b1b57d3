#!/usr/bin/env bash
# run_signals.sh: SIGINT/SIGTERM/SIGHUP while tcpflow waits for more input end the run in order:
# the flows read so far are written, report.xml is complete and well-formed and says why the
# run ended, and the exit status is 0.
set -u
builddir=$(cd "${top_builddir:-.}" && pwd)
tcpflow=$builddir/src/tcpflow
gen=$builddir/tests/gen_capture
work=$builddir/tests/regress/signals
rm -rf "$work" && mkdir -p "$work"
passed=0
failed=0
check() {  # name condition-result message
  if [ "$2" -eq 0 ]; then echo "ok $1"; passed=$((passed + 1)); else echo "FAIL $1: $3"; failed=$((failed + 1)); fi
}

"$gen" basic "$work/basic.pcap" || { echo "cannot generate capture"; echo "0 passed, 1 failed"; exit 1; }
for sig in INT TERM HUP; do
  dir=$work/$sig
  mkdir -p "$dir"
  mkfifo "$dir/fifo"
  "$tcpflow" -r - -o "$dir/out" <"$dir/fifo" 2>"$dir/stderr" &
  pid=$!
  exec 3>"$dir/fifo"
  cat "$work/basic.pcap" >&3   # the whole capture, then the writer stays open: tcpflow waits
  sleep 0.5
  kill -s "$sig" "$pid"
  # Bounded: a tcpflow that ignores the signal fails the test instead of hanging it.
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    rc=124
    echo "tcpflow still running 10 s after SIG$sig" >>"$dir/stderr"
  else
    wait "$pid"
    rc=$?
  fi
  exec 3>&-
  check "SIG$sig exit status" $([ "$rc" -eq 0 ]; echo $?) "exit $rc: $(head -c 300 "$dir/stderr")"
  report=$dir/out/report.xml
  python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$report" 2>/dev/null
  check "SIG$sig report well-formed" $? "$(tail -c 300 "$report" 2>/dev/null)"
  grep -q "<termination>interrupted by signal" "$report" 2>/dev/null
  check "SIG$sig report says why" $? "no <termination> element"
  n=$(find "$dir/out" -type f ! -name report.xml | wc -l)
  check "SIG$sig flows written" $([ "$n" -eq 2 ]; echo $?) "$n flow files"
  cmp -s "$dir/out/192.168.001.002.34567-010.000.000.001.00080" <(printf 'GET / HTTP/1.0\r\nHost: a\r\n\r\n')
  check "SIG$sig flow bytes" $? "client flow differs"
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
