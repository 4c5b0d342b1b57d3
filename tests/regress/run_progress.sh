#!/usr/bin/env bash
# run_progress.sh: the progress line on stderr. It is drawn when stderr is a terminal (a pty
# made by script(1)) and the input is a capture file, erased at the end, and left out with -q,
# when stderr is not a terminal, and for standard input that is a pipe.
set -u
builddir=$(cd "${top_builddir:-.}" && pwd)
tcpflow=$builddir/src/tcpflow
gen=$builddir/tests/gen_capture
work=$builddir/tests/regress/progress
rm -rf "$work" && mkdir -p "$work"
passed=0
failed=0
check() {  # name condition-result message
  if [ "$2" -eq 0 ]; then echo "ok $1"; passed=$((passed + 1)); else echo "FAIL $1: $3"; failed=$((failed + 1)); fi
}
if ! command -v script >/dev/null; then
  echo "SKIP: script(1) (util-linux) is not installed: no terminal to test the progress line on"
  echo "0 passed, 0 failed"
  exit 77
fi
"$gen" many_packets "$work/in.pcap" || { echo "cannot generate capture"; echo "0 passed, 1 failed"; exit 1; }
size=$(stat -c %s "$work/in.pcap")

# On a terminal: stdout and stderr of the command both go to the pty, captured in the log.
run_on_tty() {  # log-file tcpflow-arguments...
  local log=$1
  shift
  script -qec "$(printf '%q ' "$tcpflow" "$@")" /dev/null >"$log" 2>&1 </dev/null
}
run_on_tty "$work/tty.log" -r "$work/in.pcap" -o "$work/out1"
check "exit status on a terminal" $? "$(tail -c 300 "$work/tty.log")"
grep -aq "tcpflow: [0-9]*% .* of .*, [0-9,]* packets, [0-9,]* flows\? open" "$work/tty.log"
check "progress line drawn" $? "$(head -c 400 "$work/tty.log" | od -c | head)"
grep -aq $'\r'"tcpflow: [0-9]*% " "$work/tty.log"
check "line drawn in place (starts with a carriage return)" $? "no CR-started progress line"
# Erased at the end: the last progress text is followed by CR, spaces, CR.
grep -aq $'\r'' \{20,\}'$'\r' "$work/tty.log"
check "line erased at the end" $? "no erasing sequence"
cmp -s "$work/out1/192.168.001.002.34567-010.000.000.001.00080" \
  <(head -c 600000 /dev/zero | tr '\0' x)
check "flow bytes unaffected" $? "client flow differs"

run_on_tty "$work/quiet.log" -q -r "$work/in.pcap" -o "$work/out2"
! grep -aq "packets" "$work/quiet.log"
check "-q: no progress line" $? "$(head -c 300 "$work/quiet.log")"

"$tcpflow" -r "$work/in.pcap" -o "$work/out3" 2>"$work/file.log"
! grep -aq "packets" "$work/file.log"
check "stderr not a terminal: no progress line" $? "$(head -c 300 "$work/file.log")"

script -qec "cat $(printf '%q' "$work/in.pcap") | $(printf '%q ' "$tcpflow") -r - -o $(printf '%q' "$work/out4")" /dev/null >"$work/pipe.log" 2>&1 </dev/null
! grep -aq "packets" "$work/pipe.log"
check "pipe input (size unknown): no progress line" $? "$(head -c 300 "$work/pipe.log")"
[ "$size" -gt 0 ]
check "capture generated" $? "empty capture"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
