#!/usr/bin/env bash
# run_signals.sh: SIGINT/SIGTERM/SIGHUP while tcpflow waits for more input end the run in order:
# the flows read so far are written, report.xml is complete and well-formed and says why the
# run ended, and the exit status is 0.
# Then SIGINT while the background writer thread is busy: a capture of 300,000 one-segment
# connections (made here by python3: no gen_capture preset has that many flows with data, and
# each needs a file created) read with -S writer_threads=1, so the packet thread runs far ahead
# of the file creations and an orderly end still has seconds of writing to do. One SIGINT: the
# run still ends in order (exit 0, report.xml well-formed, one entry per flow file, and the
# ending took long enough for the next case to mean something). SIGINT, then another 0.2 s
# later: tcpflow is killed by SIGINT at once (exit status 130, within 2 s of the second
# signal); had the second one been ignored, it would end in order with status 0 and fail.
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

# ------------------------------------------------ SIGINT while the writer thread is busy
now() { echo "$EPOCHREALTIME"; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
well_formed() {  # file
  if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$1" 2>/dev/null
  else
    python3 -c 'import sys, xml.etree.ElementTree as t; t.parse(sys.argv[1])' "$1" 2>/dev/null
  fi
}
# Waits up to $2 seconds for process $1 to end; leaves its exit status in $rc (124 after
# killing it when it did not end) and the time it ended in $ended.
wait_bounded() {
  local deadline
  deadline=$(awk -v t="$(now)" -v d="$2" 'BEGIN { printf "%.6f", t + d }')
  while kill -0 "$1" 2>/dev/null &&
    awk -v t="$(now)" -v d="$deadline" 'BEGIN { exit !(t < d) }'; do
    sleep 0.02
  done
  ended=$(now)
  if kill -0 "$1" 2>/dev/null; then
    kill -9 "$1"
    wait "$1" 2>/dev/null
    rc=124
  else
    wait "$1"
    rc=$?
  fi
}
# Starts tcpflow on the busy capture into $1 and returns (pid in $pid) once it has run for a
# second and made 2000 files: by then the packet thread is well ahead of the writer.
start_busy() {
  "$tcpflow" -S writer_threads=1 -r "$work/busy.pcap" -o "$1" 2>"$1.stderr" &
  pid=$!
  local started
  started=$(now)
  for _ in $(seq 1500); do
    if [ "$(find "$1" -maxdepth 1 -type f 2>/dev/null | head -n 2000 | wc -l)" -ge 2000 ] &&
      awk -v a="$started" -v b="$(now)" 'BEGIN { exit !(b - a >= 1) }'; then
      return
    fi
    kill -0 "$pid" 2>/dev/null || return
    sleep 0.02
  done
}

python3 - "$work/busy.pcap" <<'PY'
import struct, sys

def checksum(header):
    total = sum(struct.unpack('!10H', header))
    total = (total >> 16) + (total & 0xffff)
    return ~(total + (total >> 16)) & 0xffff

payload = b'request\n'
ethernet = bytes.fromhex('020000000001020000000002') + b'\x08\x00'
with open(sys.argv[1], 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))  # LINKTYPE_ETHERNET
    records = []
    for i in range(300000):
        src = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 48, 0, 0x4000, 64, 6, 0, src,
                         bytes([192, 168, 1, 1]))
        ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
        tcp = struct.pack('!HHIIBBHHH', 40000 + i % 20000, 80, 1000, 0, 0x50, 0x18, 65535, 0, 0)
        frame = ethernet + ip + tcp + payload
        records.append(struct.pack('<IIII', 1600000000, i % 1000000, len(frame), len(frame)) +
                       frame)
        if len(records) == 10000:
            out.write(b''.join(records))
            records = []
PY
check "busy capture generated" $? "python3 could not write $work/busy.pcap"

# One SIGINT: the run ends in order.
single=$work/busy_single
start_busy "$single"
kill -s INT "$pid"
signalled=$(now)
wait_bounded "$pid" 300
drain=$(seconds_between "$signalled" "$ended")
check "busy writer, one SIGINT: exit status 0" $([ "$rc" -eq 0 ]; echo $?) \
  "exit $rc: $(head -c 300 "$single.stderr")"
well_formed "$single/report.xml"
check "busy writer, one SIGINT: report well-formed" $? "$(tail -c 300 "$single/report.xml" 2>/dev/null)"
grep -q "<termination>interrupted by signal 2</termination>" "$single/report.xml" 2>/dev/null
check "busy writer, one SIGINT: report says why" $? "no <termination> element"
files=$(find "$single" -maxdepth 1 -type f ! -name report.xml | wc -l)
entries=$(grep -c "<filename>" "$single/report.xml" 2>/dev/null)
[ "$files" -gt 0 ] && [ "$files" -eq "${entries:-0}" ]
check "busy writer, one SIGINT: every flow file in the report ($files)" $? \
  "$files files, ${entries:-0} report entries"
# The orderly end must outlast the gap before the second SIGINT below by a good margin, or
# that case cannot tell a second SIGINT that works from one that is ignored.
awk -v d="$drain" 'BEGIN { exit !(d >= 0.6) }'
check "busy writer, one SIGINT: the orderly end took ${drain} s (>= 0.6 s)" $? \
  "only ${drain} s: the writer was not busy enough for the two-SIGINT case to prove anything"
rm -rf "$single"

# SIGINT, then SIGINT again: tcpflow exits at once, killed by the signal.
double=$work/busy_double
start_busy "$double"
kill -s INT "$pid"
sleep 0.2
kill -s INT "$pid"
signalled=$(now)
wait_bounded "$pid" 300
prompt=$(seconds_between "$signalled" "$ended")
check "busy writer, second SIGINT: killed by SIGINT (exit 130)" $([ "$rc" -eq 130 ]; echo $?) \
  "exit $rc after ${prompt} s (0: the second SIGINT was ignored and the run ended in order)"
awk -v d="$prompt" 'BEGIN { exit !(d < 2) }'
check "busy writer, second SIGINT: gone within 2 s (${prompt} s; one SIGINT: ${drain} s)" $? \
  "still running ${prompt} s after the second SIGINT"
rm -rf "$double" "$work/busy.pcap"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
