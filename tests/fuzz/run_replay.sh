#!/usr/bin/env bash
# run_replay.sh: replays the fuzz corpus through the packet-path harness without libFuzzer:
# seeds made now from every generated capture, plus the inputs kept in tests/fuzz/corpus
# (crashers found by fuzzing, kept as regressions). Each input is one test; a crash, sanitizer
# report or non-zero exit fails it.
set -u
srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
builddir=$(cd "${top_builddir:-.}" && pwd)
replay=$builddir/tests/fuzz/fuzz_replay
gen=$builddir/tests/gen_capture
work=$builddir/tests/fuzz/work
rm -rf "$work" && mkdir -p "$work/seeds"
passed=0
failed=0
for name in $("$gen" --list); do
  "$gen" "$name" "$work/$name.pcap" 2>/dev/null || continue
  # Captures that are not readable pcaps (on purpose) or have no selector make no seed.
  "$replay" --from-pcap "$work/$name.pcap" "$work/seeds/$name" 2>/dev/null || rm -f "$work/seeds/$name"
done
for input in "$work"/seeds/* "$srcdir"/tests/fuzz/corpus/*; do
  [ -f "$input" ] || continue
  if "$replay" "$input" >/dev/null 2>"$work/last.err"; then
    passed=$((passed + 1))
  else
    echo "FAIL $(basename "$input"): $(head -c 500 "$work/last.err")"
    failed=$((failed + 1))
  fi
done
echo "fuzz replay: $passed inputs ran clean"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
