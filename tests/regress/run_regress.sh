#!/usr/bin/env bash
# run_regress.sh: regression tests. Each case in cases.list generates its capture with
# gen_capture, runs our tcpflow on it, and compares the exit status, every output file (bytes
# and names, sub-folders included), the normalised report.xml and standard output (when the
# case has expected/CASE/stdout) with tests/regress/expected/CASE.
# The last column is text that stderr must contain, or stdout:TEXT for standard output.
# `run_regress.sh --update [CASE...]` rewrites the expected outputs (review the diff!).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
srcdir=$(cd "$srcdir" && pwd)
builddir=$(cd "$builddir" && pwd)
tcpflow=$builddir/src/tcpflow
gen=$builddir/tests/gen_capture
expected_root=$srcdir/tests/regress/expected
work=$builddir/tests/regress/work
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
only=("$@")

rm -rf "$work" && mkdir -p "$work"
passed=0
failed=0

# The report without what changes from run to run (host, times, resource use, build flags).
normalise_report() {
  sed -e '/<build_environment>/,/<\/build_environment>/d' \
      -e '/<rusage>/,/<\/rusage>/d' \
      -e '/<os_sysname>/d;/<os_release>/d;/<os_version>/d;/<host>/d;/<arch>/d' \
      -e '/<uid>/d;/<username>/d;/<start_time>/d' \
      -e "s|<version>[^<]*</version>|<version>VERSION</version>|" \
      -e "s|<command_line>[^ <]*/tcpflow|<command_line>tcpflow|" \
      -e "s|$1/||g" -e "s|$srcdir/|{src}/|g" "$2"
}

fail() {
  echo "FAIL $1: $2"
  failed=$((failed + 1))
}

while IFS='|' read -r name capture args want_exit want_stderr; do
  trim() { sed 's/^ *//;s/ *$//' <<<"$1"; }
  name=$(trim "$name")
  case "$name" in ''|'#'*) continue ;; esac
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " =~ " $name " ]]; then continue; fi
  capture=$(trim "$capture")
  args=$(trim "$args")
  want_exit=$(trim "$want_exit")
  want_stderr=$(trim "$want_stderr")
  dir=$work/$name
  mkdir -p "$dir"
  in=$dir/in.pcap
  out=$dir/out
  if [ "$capture" != "-" ] && ! "$gen" "$capture" "$in" 2>"$dir/gen.err"; then
    fail "$name" "gen_capture $capture failed: $(cat "$dir/gen.err")"
    continue
  fi
  cmdline=${args//\{in\}/$in}
  cmdline=${cmdline//\{out\}/$out}
  cmdline=${cmdline//\{dir\}/$dir}
  cmdline=${cmdline//\{src\}/$srcdir}
  cmdline=${cmdline//\{tcpflow\}/\"$tcpflow\"}
  (cd "$dir" && eval "\"$tcpflow\" $cmdline" </dev/null >"$dir/stdout" 2>"$dir/stderr")
  got_exit=$?
  exp=$expected_root/$name
  if [ $update -eq 1 ]; then
    rm -rf "$exp" && mkdir -p "$exp"
    if [ -d "$out" ]; then
      (cd "$out" && find . -type f ! -name report.xml | while read -r f; do
        mkdir -p "$exp/files/$(dirname "$f")"
        case "$f" in
          *.xml) normalise_report "$dir" "$f" >"$exp/files/$f" ;;
          # Output captures are kept as digests: no capture files in the repository.
          *.pcap) sha256sum <"$f" | cut -d' ' -f1 >"$exp/files/$f.sha256" ;;
          *) cp "$f" "$exp/files/$f" ;;
        esac
      done)
      [ -f "$out/report.xml" ] && normalise_report "$dir" "$out/report.xml" >"$exp/report.xml"
    fi
    [ -s "$dir/stdout" ] && cp "$dir/stdout" "$exp/stdout"
    echo "updated $name (exit $got_exit)"
    passed=$((passed + 1))
    continue
  fi
  problems=()
  [ "$got_exit" = "$want_exit" ] || problems+=("exit $got_exit, expected $want_exit; stderr: $(head -c 300 "$dir/stderr")")
  stream=stderr
  case "$want_stderr" in stdout:*) stream=stdout; want_stderr=${want_stderr#stdout:} ;; esac
  if [ -n "$want_stderr" ] && ! grep -qF -- "$want_stderr" "$dir/$stream"; then
    problems+=("$stream lacks '$want_stderr': $(head -c 300 "$dir/$stream")")
  fi
  if [ -f "$exp/stdout" ] && ! cmp -s "$exp/stdout" "$dir/stdout"; then
    problems+=("standard output differs from expected/$name/stdout")
  fi
  got_list=$( [ -d "$out" ] && cd "$out" && find . -type f ! -name report.xml | sort)
  exp_list=$( [ -d "$exp/files" ] && cd "$exp/files" && find . -type f | sed 's/\.pcap\.sha256$/.pcap/' | sort)
  if [ "$got_list" != "$exp_list" ]; then
    problems+=("file names differ: $(diff <(echo "$exp_list") <(echo "$got_list") | grep '^[<>]' | head -5 | tr '\n' ' ')")
  else
    for f in $exp_list; do
      case "$f" in
        *.xml) diff -q <(normalise_report "$dir" "$out/$f") "$exp/files/$f" >/dev/null ;;
        *.pcap) [ "$(sha256sum <"$out/$f" | cut -d' ' -f1)" = "$(cat "$exp/files/$f.sha256")" ] ;;
        *) cmp -s "$exp/files/$f" "$out/$f" ;;
      esac || problems+=("bytes differ in $f")
    done
  fi
  if [ -f "$exp/report.xml" ]; then
    if [ ! -f "$out/report.xml" ]; then
      problems+=("no report.xml")
    elif ! diff <(normalise_report "$dir" "$out/report.xml") "$exp/report.xml" >"$dir/report.diff"; then
      problems+=("report differs: $(head -c 400 "$dir/report.diff")")
    fi
  fi
  if [ -f "$out/report.xml" ] && command -v python3 >/dev/null; then
    python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$out/report.xml" 2>/dev/null ||
      problems+=("report.xml is not well-formed")
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    echo "ok $name"
    passed=$((passed + 1))
  else
    fail "$name" "$(printf '%s; ' "${problems[@]}")"
  fi
done <"$srcdir/tests/regress/cases.list"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
