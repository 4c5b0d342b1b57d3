#!/usr/bin/env bash
# run_shard.sh: -S shard=K/N. For each capture, N runs with shard=1/N .. N/N must between them
# write exactly the flow files of one plain run (same names, same bytes), no file twice, and
# each shard must get some of the connections when there are enough of them; the N shards' JSON
# flow logs (-S json), concatenated, must hold exactly the plain run's lines. Also -c console
# output: the shards' lines together are the plain run's lines. Captures: generated ones, plus
# every corpus capture when ../shared/corpus is there (skipped, saying so, when it is not).
set -u
srcdir=$(cd "${top_srcdir:-.}" && pwd)
builddir=$(cd "${top_builddir:-.}" && pwd)
tcpflow=$builddir/src/tcpflow
gen=$builddir/tests/gen_capture
corpus=${TCPFLOW_CORPUS:-$srcdir/../shared/corpus}
work=$builddir/tests/regress/shard
rm -rf "$work" && mkdir -p "$work/in"
passed=0
failed=0
check() {  # name status message
  if [ "$2" -eq 0 ]; then
    echo "ok $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1: $3"
    failed=$((failed + 1))
  fi
}

# "sha256  name" of every flow file under $1 (report.xml left out), sorted by name.
listing() {
  (cd "$1" && find . -type f ! -name report.xml -printf '%P\0' | sort -z |
    xargs -0 -r sha256sum --)
}

captures=()
for name in interleaved20 reuse many_small ipv6 vlan qinq frag_v4 timeout; do
  "$gen" "$name" "$work/in/$name.pcap" >/dev/null 2>&1 && captures+=("$work/in/$name.pcap")
done
if [ -f "$corpus/MANIFEST.tsv" ]; then
  for file in "$corpus"/*.pcap "$corpus"/*.pcapng; do
    [ -f "$file" ] && captures+=("$file")
  done
else
  echo "SKIP corpus: no $corpus/MANIFEST.tsv (generated captures only)"
fi

# Every argument check: bad shard values are refused with a message.
for bad in 0/4 5/4 1/0 4 a/b 1/4/2; do
  "$tcpflow" -S "shard=$bad" -r "$work/in/reuse.pcap" -o "$work/bad" >/dev/null 2>"$work/bad.err"
  status=$?
  [ $status -eq 1 ] && grep -q "shard" "$work/bad.err"
  check "-S shard=$bad refused" $? "exit $status, stderr: $(head -c 200 "$work/bad.err")"
done

for shards in 4 3; do
  for capture in "${captures[@]}"; do
    base=$(basename "$capture")
    dir=$work/$shards/$base
    mkdir -p "$dir"
    "$tcpflow" -r "$capture" -o "$dir/all" -S "json=$dir/all.json" >/dev/null 2>"$dir/all.err"
    all_status=$?
    listing "$dir/all" >"$dir/all.list"
    : >"$dir/union.list"
    status_ok=0
    nonempty=0
    for k in $(seq 1 "$shards"); do
      "$tcpflow" -S "shard=$k/$shards" -r "$capture" -o "$dir/s$k" -S "json=$dir/s$k.json" \
        >/dev/null 2>"$dir/s$k.err"
      [ $? -eq $all_status ] || status_ok=1
      listing "$dir/s$k" >>"$dir/union.list"
      [ -n "$(find "$dir/s$k" -type f ! -name report.xml -print -quit)" ] && nonempty=$((nonempty + 1))
    done
    sort -k2 "$dir/union.list" -o "$dir/union.list"
    sort -k2 "$dir/all.list" -o "$dir/all.list"
    cmp -s "$dir/all.list" "$dir/union.list"
    check "$base: $shards shards write exactly the plain run's files" $? \
      "$(diff "$dir/all.list" "$dir/union.list" | head -5)"
    [ -z "$(awk '{print $2}' "$dir/union.list" | uniq -d)" ]
    check "$base: $shards shards: no file written twice" $? "duplicates in $dir/union.list"
    check "$base: $shards shards: same exit status as the plain run ($all_status)" $status_ok \
      "see $dir/s*.err"
    cat "$dir"/s*.json | sort >"$dir/union.json"
    sort "$dir/all.json" >"$dir/all.sorted.json"
    cmp -s "$dir/all.sorted.json" "$dir/union.json"
    check "$base: $shards shards' JSON logs hold exactly the plain run's lines" $? \
      "$(diff "$dir/all.sorted.json" "$dir/union.json" | head -c 600)"
    flows=$(wc -l <"$dir/all.list")
    if [ "$flows" -ge 40 ]; then
      [ "$nonempty" -eq "$shards" ]
      check "$base: $flows flow files spread over all $shards shards" $? \
        "only $nonempty shards got files"
    fi
  done
done

# Console output: each line of the plain -c run comes from exactly one shard.
capture=$work/in/interleaved20.pcap
"$tcpflow" -c -r "$capture" >"$work/console_all.txt" 2>/dev/null
for k in 1 2 3 4; do
  "$tcpflow" -c -S "shard=$k/4" -r "$capture" 2>/dev/null
done >"$work/console_shards.txt"
cmp -s <(sort "$work/console_all.txt") <(sort "$work/console_shards.txt")
check "-c: the 4 shards print the plain run's lines" $? "see $work/console_*.txt"

# The report counts the skipped segments.
"$tcpflow" -S shard=2/4 -r "$capture" -o "$work/report" >/dev/null 2>&1
grep -q "<anomaly name='other_shard'" "$work/report/report.xml" ||
  grep -q '<anomaly name="other_shard"' "$work/report/report.xml"
check "report.xml counts other_shard segments" $? "$(grep -i anomal "$work/report/report.xml")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
