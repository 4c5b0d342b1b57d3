#!/usr/bin/env bash
# run_scanner_compat.sh: the md5 and http scanners against tcpflow 1.6.1 over the corpus
# (../shared/corpus, skipped when absent) and the generated HTTP captures. For each capture
# both programs run with -e md5 -e http. Checks:
#   * every flow file both wrote has the same <hashdigest type='MD5'> in both reports;
#   * every HTTP body file 1.6.1 wrote, we wrote too, byte for byte, unless the pair is listed
#     in scanner_differences.tsv (capture, body file, reason = an anchor in doc/differences.md);
#     a listed pair that no longer differs fails too.
# Body files only we write (request bodies, bodies 1.6.1 misses after a hole, short responses:
# doc/differences.md#http-*) are counted and reported, not failed.
set -u
srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
builddir=$(cd "${top_builddir:-.}" && pwd)
tcpflow=$builddir/src/tcpflow
gen=$builddir/tests/gen_capture
reference=${REFERENCE_TCPFLOW:-}
corpus=${TCPFLOW_CORPUS:-$srcdir/../shared/corpus}
declared=$srcdir/tests/compat/scanner_differences.tsv
work=$builddir/tests/compat/scanner-work
if [ -z "$reference" ] || [ ! -x "$reference" ]; then
  echo "SKIP: the reference tcpflow 1.6.1 is not installed (apt-get install tcpflow)"
  echo "0 passed, 0 failed"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
passed=0
failed=0
digests_same=0
bodies_same=0
bodies_declared=0
bodies_only_ours=0
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# name <tab> MD5 for every <fileobject> of a report (read leniently: 1.6.1 leaves its report
# unterminated when it dies).
digests() {
  python3 - "$1" "$2" <<'PY'
import re, sys
prefix = sys.argv[2].rstrip('/') + '/'
text = open(sys.argv[1], encoding='utf-8', errors='replace').read()
for obj in re.findall(r'<fileobject>(.*?)</fileobject>', text, re.S):
    name = re.search(r'<filename>([^<]*)</filename>', obj)
    md5 = re.search(r"<hashdigest type='MD5'>([0-9a-f]+)</hashdigest>", obj)
    if name and md5:
        print(name.group(1).replace(prefix, '', 1) + '\t' + md5.group(1))
PY
}

captures=()
for scenario in $("$gen" --list | grep '^http_' | grep -v '^http_bomb$'); do
  "$gen" "$scenario" "$work/$scenario.pcap" && captures+=("$work/$scenario.pcap")
done
if [ -f "$corpus/MANIFEST.tsv" ]; then
  while IFS= read -r f; do captures+=("$f"); done < <(ls "$corpus"/*.pcap "$corpus"/*.pcapng 2>/dev/null)
else
  echo "SKIP corpus: no $corpus/MANIFEST.tsv (generated captures only)"
fi

declare -A listed=()
while IFS=$'\t' read -r capture body reason; do
  case "$capture" in ''|'#'*) continue ;; esac
  listed["$capture/$body"]=$reason
  grep -q "<a id=\"$reason\"></a>" "$srcdir/doc/differences.md" ||
    fail "scanner_differences.tsv: reason '$reason' is not an anchor in doc/differences.md"
done <"$declared"
declare -A seen=()

for cap in "${captures[@]}"; do
  name=$(basename "$cap")
  ours=$work/out-$name/ours
  ref=$work/out-$name/ref
  "$tcpflow" -r "$cap" -o "$ours" -e md5 -e http >/dev/null 2>"$work/$name.ours.err"
  rc_ours=$?
  (cd "$work" && timeout 120 "$reference" -r "$cap" -o "$ref" -e md5 -e http >/dev/null 2>"$work/$name.ref.err")
  rc_ref=$?
  if [ ! -f "$ref/report.xml" ]; then
    echo "note: $name: 1.6.1 wrote no report (exit $rc_ref); skipped"
    continue
  fi
  [ -f "$ours/report.xml" ] || { fail "$name: we wrote no report (exit $rc_ours)"; continue; }
  # Digests: ours must be the MD5 of our file; where both wrote the same bytes, the same as
  # 1.6.1's (flow-file differences are the business of run_compat.sh).
  digests "$ref/report.xml" "$ref" | sort >"$work/$name.refmd5"
  digests "$ours/report.xml" "$ours" | sort >"$work/$name.oursmd5"
  : >"$work/$name.md5diff"
  same=0
  while IFS=$'\t' read -r file ref_md5 our_md5; do
    [ -f "$ours/$file" ] || continue
    if [ "$(md5sum <"$ours/$file" | cut -d' ' -f1)" != "$our_md5" ]; then
      echo "$file (not the MD5 of our file)" >>"$work/$name.md5diff"
    elif cmp -s "$ref/$file" "$ours/$file"; then
      if [ "$ref_md5" = "$our_md5" ]; then same=$((same + 1)); else echo "$file" >>"$work/$name.md5diff"; fi
    fi
  done < <(join -t $'\t' "$work/$name.refmd5" "$work/$name.oursmd5")
  if [ -s "$work/$name.md5diff" ]; then
    fail "$name: MD5 differs for $(head -3 "$work/$name.md5diff" | tr '\n' ' ')"
  else
    passed=$((passed + 1))
  fi
  digests_same=$((digests_same + same))
  # Body files.
  ok=1
  while IFS= read -r body; do
    key="$name/$body"
    if [ -f "$ours/$body" ] && cmp -s "$ref/$body" "$ours/$body"; then
      if [ -n "${listed[$key]:-}" ]; then
        fail "$name: $body is listed in scanner_differences.tsv but no longer differs"
        ok=0
      fi
      bodies_same=$((bodies_same + 1))
    elif [ -n "${listed[$key]:-}" ]; then
      seen["$key"]=1
      bodies_declared=$((bodies_declared + 1))
    else
      fail "$name: body $body differs from 1.6.1's ($( [ -f "$ours/$body" ] && echo "ours $(stat -c %s "$ours/$body") bytes" || echo missing), 1.6.1 $(stat -c %s "$ref/$body") bytes)"
      ok=0
    fi
  done < <(cd "$ref" && ls | grep -- '-HTTPBODY-')
  only=$(comm -13 <(cd "$ref" && ls | grep -- '-HTTPBODY-' | sort) <(cd "$ours" && ls | grep -- '-HTTPBODY-' | sort) | wc -l)
  bodies_only_ours=$((bodies_only_ours + only))
  [ $ok -eq 1 ] && passed=$((passed + 1))
done
for key in "${!listed[@]}"; do
  capture=${key%%/*}
  [ -d "$work/out-$capture" ] || continue  # capture not run here (corpus absent)
  [ -n "${seen[$key]:-}" ] || [ -f "$work/out-$capture/ref/${key#*/}" ] ||
    fail "scanner_differences.tsv: $key: 1.6.1 wrote no such body"
done
echo "scanner compat: ${#captures[@]} captures; $digests_same MD5 digests identical;" \
  "$bodies_same HTTP bodies identical, $bodies_declared declared differences," \
  "$bodies_only_ours body files only we write"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
