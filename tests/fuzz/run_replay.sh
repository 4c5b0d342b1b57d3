#!/usr/bin/env bash
# run_replay.sh: replays every fuzz harness's corpus without libFuzzer: the seeds made now
# (packet, stream and capture seeds from every generated capture; http and template seeds
# written by the replay tool) plus the inputs kept in tests/fuzz/corpus/<harness>/ (crashers
# found by fuzzing, kept as regressions). Each harness's inputs run in one process; when that
# fails, each input runs alone so the failures are named. A crash, sanitizer report or
# non-zero exit fails an input.
set -u
srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
builddir=$(cd "${top_builddir:-.}" && pwd)
gen=$builddir/tests/gen_capture
work=$builddir/tests/fuzz/work
harnesses="packet stream capture http template"
# In a build whose UBSan reports are not fatal by themselves (the fuzzing build), make them so.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
rm -rf "$work" && mkdir -p "$work/captures"
for name in $("$gen" --list); do
  # Some scenarios are not readable captures on purpose: they are still capture seeds.
  "$gen" "$name" "$work/captures/$name.pcap" 2>/dev/null || rm -f "$work/captures/$name.pcap"
done
passed=0
failed=0
for harness in $harnesses; do
  replay=$builddir/tests/fuzz/${harness}_replay
  seeds=$work/seeds/$harness
  if ! "$replay" --make-seeds "$harness" "$seeds" "$work"/captures/*.pcap 2>"$work/last.err"; then
    echo "FAIL $harness: cannot make seeds: $(head -c 500 "$work/last.err")"
    failed=$((failed + 1))
    continue
  fi
  inputs=()
  for input in "$seeds"/* "$srcdir/tests/fuzz/corpus/$harness"/*; do
    [ -f "$input" ] && inputs+=("$input")
  done
  if [ ${#inputs[@]} -eq 0 ]; then
    echo "FAIL $harness: no inputs"
    failed=$((failed + 1))
    continue
  fi
  if ("$replay" "${inputs[@]}") >/dev/null 2>"$work/last.err"; then
    passed=$((passed + ${#inputs[@]}))
    echo "$harness: ${#inputs[@]} inputs ran clean"
    continue
  fi
  for input in "${inputs[@]}"; do
    if ("$replay" "$input") >/dev/null 2>"$work/last.err"; then
      passed=$((passed + 1))
    else
      echo "FAIL $harness $(basename "$input"): $(head -c 500 "$work/last.err")"
      failed=$((failed + 1))
    fi
  done
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
