#!/usr/bin/env bash
# run_fuzz.sh: runs every libFuzzer harness for a bounded time on its seeds, in a build made
# with ./configure --enable-fuzzing CXX=clang++ (ASan + UBSan built in).
#
#   tests/fuzz/run_fuzz.sh [SECONDS]      (default 30 per harness; run from the build folder)
#
# Seeds come from the replay tools (tests/fuzz/HARNESS_replay --make-seeds) and the capture
# generator (tests/gen_capture) of this build, or of the build named by SEED_BUILDDIR, plus the
# kept inputs in tests/fuzz/corpus/HARNESS/. Prints each harness's executions and whether it
# found anything; every crash, leak, timeout or out-of-memory input is copied into
# tests/fuzz/corpus/HARNESS/ (so make check replays it from then on) with a note. Exits 1 when
# anything was found, 2 when a harness could not run.
set -u
seconds=${1:-30}
srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
builddir=$(cd "${top_builddir:-.}" && pwd)
seedbuild=$(cd "${SEED_BUILDDIR:-$builddir}" && pwd)
work=$builddir/tests/fuzz/fuzzwork
harnesses=${HARNESSES:-"packet stream capture http template"}
# UBSan reports must stop the run (the fuzzing build does not make them fatal by itself).
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

rm -rf "$work" && mkdir -p "$work/captures"
if [ -x "$seedbuild/tests/gen_capture" ]; then
  for name in $("$seedbuild/tests/gen_capture" --list); do
    "$seedbuild/tests/gen_capture" "$name" "$work/captures/$name.pcap" 2>/dev/null ||
      rm -f "$work/captures/$name.pcap"
  done
else
  echo "note: no $seedbuild/tests/gen_capture: packet, stream and capture start from kept inputs only"
fi

found=0
broken=0
for harness in $harnesses; do
  fuzzer=$builddir/tests/fuzz/${harness}_fuzzer
  corpus=$work/corpus/$harness
  artifacts=$work/artifacts/$harness
  mkdir -p "$corpus" "$artifacts"
  if [ ! -x "$fuzzer" ]; then
    echo "$harness: no $fuzzer (configure --enable-fuzzing and make it)"
    broken=1
    continue
  fi
  if [ -x "$seedbuild/tests/fuzz/${harness}_replay" ]; then
    "$seedbuild/tests/fuzz/${harness}_replay" --make-seeds "$harness" "$corpus" \
      "$work"/captures/*.pcap 2>/dev/null || echo "note: $harness: some seeds not written"
  fi
  for kept in "$srcdir/tests/fuzz/corpus/$harness"/*; do
    [ -f "$kept" ] && cp "$kept" "$corpus/"
  done
  max_len=65536
  [ "$harness" = capture ] && max_len=1048576
  log=$work/$harness.log
  "$fuzzer" "$corpus" -max_total_time="$seconds" -max_len="$max_len" -timeout=25 \
    -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
  crashes=()
  for artifact in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
    [ -f "$artifact" ] && crashes+=("$artifact")
  done
  slow=$(find "$artifacts" -name 'slow-unit-*' | wc -l)
  [ "$slow" -gt 0 ] && echo "note: $harness: $slow input(s) took over 10 s each: $artifacts"
  if [ ${#crashes[@]} -gt 0 ]; then
    found=1
    echo "$harness: ${execs:-?} executions, ${cov:-cov: ?}: FOUND ${#crashes[@]} input(s) (log: $log)"
    grep -m1 -E 'ERROR: |runtime error|check failed' "$log" | sed 's/^/  /'
    mkdir -p "$srcdir/tests/fuzz/corpus/$harness"
    for crash in "${crashes[@]}"; do
      known=""
      for kept in "$srcdir/tests/fuzz/corpus/$harness"/*; do
        [ -f "$kept" ] && cmp -s "$crash" "$kept" && known=$kept
      done
      if [ -n "$known" ]; then
        echo "  $(basename "$crash") is the kept input $(basename "$known"): not fixed yet"
      else
        cp "$crash" "$srcdir/tests/fuzz/corpus/$harness/"
        echo "  kept $(basename "$crash") in tests/fuzz/corpus/$harness/ (make check replays it)"
      fi
    done
  elif [ $status -ne 0 ]; then
    broken=1
    echo "$harness: exit status $status without a crash input; see $log"
    tail -n 5 "$log" | sed 's/^/  /'
  else
    echo "$harness: ${execs:-?} executions, ${cov:-cov: ?}: nothing found"
  fi
done
[ $found -ne 0 ] && exit 1
[ $broken -ne 0 ] && exit 2
exit 0
