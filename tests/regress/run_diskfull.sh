#!/usr/bin/env bash
# run_diskfull.sh: a run that fills the disk stops with a clear message and exit status 1, and
# every flow that was closed before the disk filled up is intact (the same bytes as a run with
# room). Needs root to mount a small tmpfs; skipped (exit 77) otherwise.
set -u
builddir=$(cd "${top_builddir:-.}" && pwd)
tcpflow=$builddir/src/tcpflow
gen=$builddir/tests/gen_capture
work=$builddir/tests/regress/diskfull
rm -rf "$work" && mkdir -p "$work/small" "$work/roomy"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=64k tmpfs "$work/small" 2>/dev/null; then
  echo "SKIP: cannot mount a small tmpfs (needs root)"
  exit 77
fi
trap 'umount "$work/small" 2>/dev/null' EXIT
passed=0
failed=0
check() {
  if [ "$2" -eq 0 ]; then echo "ok $1"; passed=$((passed + 1)); else echo "FAIL $1: $3"; failed=$((failed + 1)); fi
}
"$gen" many_small "$work/in.pcap"
"$tcpflow" -r "$work/in.pcap" -o "$work/roomy/out" 2>/dev/null
# The report goes to a disk with room, so it can tell which flows are complete.
"$tcpflow" -r "$work/in.pcap" -o "$work/small/out" -X "$work/report.xml" 2>"$work/stderr"
rc=$?
check "exit status 1" $([ $rc -eq 1 ]; echo $?) "exit $rc"
grep -q "No space left on device" "$work/stderr"
check "message names the error" $? "$(head -c 300 "$work/stderr")"
grep -q "write error on $work/small/out/" "$work/stderr"
check "message names the file" $? "$(head -c 300 "$work/stderr")"
# Flows whose <fileobject> made it into the report without <incomplete> were closed before the
# failure; flows closed after it must say <incomplete>.
closed=$(awk -v dir="$work/small/out/" '
  /<fileobject>/ { name = ""; incomplete = 0 }
  /<filename>/ { name = $0; sub(/.*<filename>/, "", name); sub(/<\/filename>.*/, "", name) }
  /<incomplete>/ { incomplete = 1 }
  /<\/fileobject>/ { if (name != "" && !incomplete) { sub(dir, "", name); print name } }' \
  "$work/report.xml")
python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$work/report.xml" 2>/dev/null
check "report well-formed" $? "$(tail -c 200 "$work/report.xml")"
grep -q "<termination>write error on .*No space left on device</termination>" "$work/report.xml"
check "report says the run was cut short" $? "no <termination>"
grep -q "<incomplete>" "$work/report.xml"
check "flows closed after the error are marked incomplete" $? "no <incomplete> element"
n=0
bad=""
for f in $closed; do
  n=$((n + 1))
  cmp -s "$work/small/out/$f" "$work/roomy/out/$f" || bad="$bad $f"
done
check "closed flows intact ($n files)" $([ -z "$bad" ] && [ $n -gt 0 ]; echo $?) "differ:$bad"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
