#!/usr/bin/env bash
# run_privileges.sh: -U USER gives up root after the capture is open: the flow files and
# report.xml belong to USER and hold the same bytes as a run without -U, later inputs are opened
# as USER, an existing output directory is never handed over; -z DIR with -U writes inside DIR.
# Needs root (it creates and deletes a throwaway system user); skipped (exit 77) otherwise.
set -u
shopt -s nullglob
builddir=$(cd "${top_builddir:-.}" && pwd)
tcpflow=$builddir/src/tcpflow
gen=$builddir/tests/gen_capture

skip() {
  echo "SKIP: $1"
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "-U and -z need root"
if ! command -v useradd >/dev/null 2>&1 || ! command -v userdel >/dev/null 2>&1; then
  skip "useradd/userdel not available"
fi
[ -x "$tcpflow" ] || { echo "FAIL setup: no $tcpflow"; echo "0 passed, 1 failed"; exit 1; }

# The work directory must be reachable by the throwaway user, which a build directory under a
# private home may not be: use a fresh directory under /tmp (or $TMPDIR).
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpflow-privileges.XXXXXX") || skip "cannot make a work directory"
chmod 755 "$work"
user=tcpflowtest$$
cleanup() {
  userdel "$user" 2>/dev/null
  if [ "${failed:-1}" -eq 0 ]; then rm -rf "$work"; else echo "work directory kept: $work"; fi
}
trap cleanup EXIT
useradd -r -M -s /usr/sbin/nologin "$user" 2>"$work/useradd.err" ||
  skip "cannot create user $user: $(head -c 200 "$work/useradd.err")"

passed=0
failed=0
check() {  # name status(0 = good) why
  if [ "$2" -eq 0 ]; then
    echo "ok $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1: $3"
    failed=$((failed + 1))
  fi
}

# same_flows DIR: every flow file of the run without -U is in DIR with the same bytes and is
# owned by $user; prints what is wrong, nothing when all is well.
same_flows() {
  local f name
  for f in "$work"/plain/*; do
    name=${f##*/}
    [ "$name" = report.xml ] && continue
    if [ ! -f "$1/$name" ]; then
      echo "missing $name"
    elif ! cmp -s "$f" "$1/$name"; then
      echo "bytes differ in $name"
    elif [ "$(stat -c %U "$1/$name")" != "$user" ]; then
      echo "$name is owned by $(stat -c %U "$1/$name")"
    fi
  done
  for f in "$1"/*; do
    name=${f##*/}
    [ "$name" = report.xml ] || [ -e "$work/plain/$name" ] || echo "unexpected $name"
  done
}

"$gen" interleaved20 "$work/in.pcap"
"$gen" basic "$work/second.pcap"
"$tcpflow" -r "$work/in.pcap" -o "$work/plain" 2>"$work/plain.err"
rc=$?
nflows=$(find "$work/plain" -type f ! -name report.xml | wc -l)
check "baseline run without -U ($nflows flow files)" "$([ $rc -eq 0 ] && [ "$nflows" -gt 0 ]; echo $?)" \
  "exit $rc, $nflows files: $(head -c 300 "$work/plain.err")"

# -U: the output directory this run creates, its flow files and report.xml go to the user.
"$tcpflow" -U "$user" -r "$work/in.pcap" -o "$work/dropped" 2>"$work/dropped.err"
rc=$?
check "-U exit status 0" "$([ $rc -eq 0 ]; echo $?)" "exit $rc: $(head -c 300 "$work/dropped.err")"
bad=$(same_flows "$work/dropped" | head -5)
check "-U flow files owned by the user, same bytes" "$([ -z "$bad" ]; echo $?)" "$bad"
owner=$(stat -c %U "$work/dropped/report.xml" 2>/dev/null)
check "-U report.xml owned by the user" "$([ "$owner" = "$user" ]; echo $?)" "owner '$owner'"
owner=$(stat -c %U "$work/dropped" 2>/dev/null)
check "-U output directory created by the run owned by the user" \
  "$([ "$owner" = "$user" ]; echo $?)" "owner '$owner'"
python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$work/dropped/report.xml" \
  2>/dev/null
check "-U report.xml well-formed" $? "$(tail -c 200 "$work/dropped/report.xml" 2>/dev/null)"

# Inputs after the first are opened as the user: one that only root may read is refused.
mkdir -m 700 "$work/private"
cp "$work/second.pcap" "$work/private/second.pcap"
"$tcpflow" -U "$user" -r "$work/in.pcap" -r "$work/private/second.pcap" -o "$work/later" \
  2>"$work/later.err"
rc=$?
grep -q "private/second.pcap" "$work/later.err"
named=$?
check "-U second input opened as the user (root-only file refused, exit 1)" \
  "$([ $rc -eq 1 ] && [ $named -eq 0 ]; echo $?)" "exit $rc: $(head -c 300 "$work/later.err")"

# An output directory that already exists is never handed over: a root-owned one stays root's,
# and the user cannot write there.
mkdir -m 755 "$work/rootdir"
"$tcpflow" -U "$user" -r "$work/in.pcap" -o "$work/rootdir" 2>"$work/rootdir.err"
rc=$?
owner=$(stat -c %U "$work/rootdir" 2>/dev/null)
nfiles=$(find "$work/rootdir" -type f ! -name report.xml | wc -l)
check "-U existing root-owned output directory: not chowned, exit 1, no flow files" \
  "$([ $rc -eq 1 ] && [ "$owner" = root ] && [ "$nfiles" -eq 0 ]; echo $?)" \
  "exit $rc, owner '$owner', $nfiles files: $(head -c 300 "$work/rootdir.err")"

# -z DIR with -U: run from inside DIR, so that -o out means DIR/out both before the chroot
# (report.xml) and after it (flow files). The capture lies outside DIR: it is opened before.
mkdir -p "$work/jail/out"
chmod 755 "$work/jail"
chown "$user" "$work/jail/out"
# LeakSanitizer (sanitizer builds) cannot read /proc once chrooted; leaks are checked elsewhere.
(cd "$work/jail" && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$tcpflow" -U "$user" -z "$work/jail" -r "$work/in.pcap" -o out) \
  2>"$work/jail.err"
rc=$?
check "-z -U exit status 0" "$([ $rc -eq 0 ]; echo $?)" "exit $rc: $(head -c 300 "$work/jail.err")"
bad=$(same_flows "$work/jail/out" | head -5)
check "-z -U flow files inside DIR/out, owned by the user, same bytes" \
  "$([ -z "$bad" ]; echo $?)" "$bad"
owner=$(stat -c %U "$work/jail/out/report.xml" 2>/dev/null)
check "-z -U report.xml owned by the user" "$([ "$owner" = "$user" ]; echo $?)" "owner '$owner'"

# -z needs -U.
"$tcpflow" -z "$work/jail" -r "$work/in.pcap" -o "$work/nouser" 2>"$work/nouser.err"
rc=$?
check "-z without -U exit status 1" "$([ $rc -eq 1 ]; echo $?)" "exit $rc"
check "-z without -U writes nothing" "$([ ! -e "$work/nouser" ]; echo $?)" "$work/nouser exists"

# An unknown user: exit 1, with a message naming it.
"$tcpflow" -U "no-such-user-$$" -r "$work/in.pcap" -o "$work/unknown" 2>"$work/unknown.err"
rc=$?
grep -q "no-such-user-$$" "$work/unknown.err"
named=$?
check "-U unknown user: exit 1, named in the message" "$([ $rc -eq 1 ] && [ $named -eq 0 ]; echo $?)" \
  "exit $rc: $(head -c 300 "$work/unknown.err")"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
