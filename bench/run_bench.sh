#!/usr/bin/env bash
# run_bench.sh: times our tcpflow against the reference tcpflow 1.6.1 on generated captures and
# checks that both wrote the same flow files. `make bench` runs it; bench/README.md explains the
# inputs, the method and the table.
#
# For each input (bench_gen --preset NAME): an untimed warm-up run, then BENCH_RUNS rounds of
# ours then the reference (A B A B ...), each with `-o FRESH_DIR -r INPUT` after
# `cat INPUT >/dev/null` and `sync`, then the write floor (1 and 2 threads) for the reference's
# file set and the libpcap read floor. Every run that writes files writes them into a fresh
# file system when it can (BENCH_FS=loop), which is dropped right after the run is checked: no
# run pays for, or waits after, deleting the previous run's files. Otherwise (BENCH_FS=dir)
# big output files are truncated just before the next run that writes, none is deleted before
# a timed run, and the outputs are deleted once the input is done; after deleting many files
# the next timed run waits BENCH_SETTLE seconds. Then the scaling test: ours alone (and the
# reference with BENCH_SCALING_REF=1) on scale-N inputs, with the write floor for ours' file
# set.
#
# Environment (all optional):
#   top_srcdir, top_builddir  source and build trees (default: this script's tree, and .)
#   OUR_TCPFLOW         our binary (default $top_builddir/src/tcpflow)
#   REFERENCE_TCPFLOW   the reference (default /usr/bin/tcpflow)
#   BENCH_RUNS          rounds per input (default 5)
#   BENCH_INPUTS        inputs to run (default "few-big many-small mixed")
#   BENCH_SCALE         size factor for every input, e.g. 0.1 for a quick run (default 1)
#   BENCH_EXTRA_ARGS    more arguments for both programs (split on spaces)
#   BENCH_DIR           work folder: captures, outputs, records (default $top_builddir/bench/work)
#   BENCH_SCALING_N     concurrent flows for the scaling test (default "10 1000 100000 1000000";
#                       empty: no scaling test)
#   BENCH_SCALING_RUNS  runs of ours per scaling point (default 7; the median counts); the points
#                       take turns, one run of each per round, each round starting one point later
#   BENCH_SCALING_FLOOR_RUNS  write floor runs per scaling point, in the first rounds (default 3)
#   BENCH_FS            where runs write: "loop" (each run that writes, on a fresh ext4 file
#                       system in a sparse image under the work folder, dropped afterwards),
#                       "dir" (folders in the work folder), or "auto" (default: loop when
#                       running as root with mkfs.ext4, else dir). Deleting 400,000 files takes
#                       minutes on ext4 and slows the runs after it; dropping a file system
#                       takes a second.
#   BENCH_SCALING_REF=1 also time the reference in the scaling test
#   BENCH_SETTLE        seconds to wait after deleting many files (BENCH_FS=dir; default 60)
#   BENCH_WARMUP=0      no untimed reference run before the rounds of each input
#   BENCH_README=0      do not write the results into $top_srcdir/bench/README.md
#
# Exit status: 0 when every run succeeded and both programs wrote the same files, 1 otherwise,
# 2 when the benchmark cannot run (a tool missing, the work folder not writable).

set -u
export LC_ALL=C

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-.}
srcdir=$(cd "$srcdir" && pwd)
builddir=$(cd "$builddir" && pwd)

ours=${OUR_TCPFLOW:-$builddir/src/tcpflow}
ref=${REFERENCE_TCPFLOW:-/usr/bin/tcpflow}
runs=${BENCH_RUNS:-5}
read -r -a inputs <<<"${BENCH_INPUTS:-few-big many-small mixed}"
scale=${BENCH_SCALE:-1}
read -r -a extra_args <<<"${BENCH_EXTRA_ARGS:-}"
work=${BENCH_DIR:-$builddir/bench/work}
read -r -a scaling_n <<<"${BENCH_SCALING_N-10 1000 100000 1000000}"
scaling_runs=${BENCH_SCALING_RUNS:-7}
scaling_floor_runs=${BENCH_SCALING_FLOOR_RUNS:-3}
fs_mode=${BENCH_FS:-auto}
scaling_ref=${BENCH_SCALING_REF:-0}
settle_seconds=${BENCH_SETTLE:-60}
warmup=${BENCH_WARMUP:-1}
readme=$srcdir/bench/README.md

gen=$builddir/bench/bench_gen
measure=$builddir/bench/bench_measure
floor_read=$builddir/bench/floor_read
floor_write=$builddir/bench/floor_write

# Deleting more files than this makes the next timed run wait BENCH_SETTLE seconds (ext4 scans
# past freshly freed inodes for about a minute; see /work/shared/BENCHMARKING.md).
readonly kManyFiles=10000
# The scaling test counts as flat when the slowest ns/packet is within this factor of the fastest.
readonly kFlatFactor=1.2

die() {
  echo "run_bench.sh: $*" >&2
  exit 2
}

for tool in "$ours" "$ref" "$gen" "$measure" "$floor_read" "$floor_write"; do
  [ -x "$tool" ] || die "$tool: not found or not executable (run \`make bench\`)"
done
case $runs in '' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive number" ;; esac
case $scaling_runs in '' | *[!0-9]* | 0) die "BENCH_SCALING_RUNS must be a positive number" ;; esac
case $scaling_floor_runs in
  '' | *[!0-9]* | 0) die "BENCH_SCALING_FLOOR_RUNS must be a positive number" ;;
esac
[ "$scaling_floor_runs" -le "$scaling_runs" ] || scaling_floor_runs=$scaling_runs
case $fs_mode in
  auto)
    fs_mode=dir
    if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null && command -v mount >/dev/null; then
      fs_mode=loop
    fi
    ;;
  loop | dir) ;;
  *) die "BENCH_FS must be loop, dir or auto" ;;
esac
mkdir -p "$work/inputs" "$work/out" || die "cannot create $work"
work=$(cd "$work" && pwd)
records=$work/records
logs=$work/logs
rm -rf "$records" "$logs"
mkdir -p "$records" "$logs" || die "cannot write to $work"

failed=0
settle_until=0

# ------------------------------------------------------------------------------------ helpers

# Median of numbers on standard input ("" when there are none).
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                      else if (NR) print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Field FIELD (1 wall, 2 user, 3 sys, 4 maxrss KiB, 5 status) of the given records, one a line.
field_of() {
  local field=$1
  shift
  awk -v f="$field" '{ print $f }' "$@"
}

# Prints awk expression EXPR (made of numbers) in printf FORMAT; the shell has no floating point.
calc() {
  awk "BEGIN { printf \"$1\", ($2) }"
}

# Deletes folder DIR; a large one (more than kManyFiles files) delays the next timed run.
remove_output() {
  local dir=$1 count
  [ -d "$dir" ] || return 0
  pending_truncate=()
  count=$(find "$dir" -type f | wc -l)
  rm -rf "$dir"
  if [ "$count" -gt "$kManyFiles" ]; then settle_until=$((SECONDS + settle_seconds)); fi
}

# Empties the big files under DIR (1 MiB or more), freeing their disk space and page cache but
# keeping the inodes. Small files are left alone: truncating costs about 1 ms a file here.
truncate_output() {
  find "$1" -type f -size +1M -exec truncate -s 0 {} +
}

# Outputs to truncate just before the next run that writes files. Memory freed long before a
# run has gone back to the hypervisor and costs about 3 s per GB to touch again, so every
# writing run starts right after the previous one's pages were freed, in the same way.
pending_truncate=()
defer_truncate() {
  pending_truncate+=("$1")
}
flush_truncations() {
  local dir
  for dir in "${pending_truncate[@]}"; do truncate_output "$dir"; done
  pending_truncate=()
}

# Where the next run that writes puts its output folders: with BENCH_FS=loop, a fresh ext4 file
# system in a sparse image, mounted on DIR/mnt; otherwise DIR itself. Sets out_base. end_output
# drops the file system again (its files with it), so call it once the run is checked.
readonly kScratchImageSize=16G  # sparse; 1,000,000 small files use about 4.5 GB of it
out_base=
begin_output() {
  local image=$work/scratch.img
  out_base=$1
  [ "$fs_mode" = loop ] || return 0
  out_base=$1/mnt
  mkdir -p "$out_base" && rm -f "$image" && truncate -s "$kScratchImageSize" "$image" &&
    mkfs.ext4 -q -F -i 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$image" &&
    mount -o loop "$image" "$out_base" || {
    echo "run_bench.sh: cannot make a scratch file system on $out_base (BENCH_FS=dir" \
      "writes into plain folders)" >&2
    rm -f "$image"
    return 1
  }
}
end_output() {
  [ "$fs_mode" = loop ] && mountpoint -q "$out_base" || return 0
  pending_truncate=()
  umount "$out_base" && rm -f "$work/scratch.img" && rmdir "$out_base"
}

# "SHA256  ./NAME" for every file under DIR except report.xml, sorted by name.
digest_output() {
  (cd "$1" && find . -type f ! -path ./report.xml -print0 | xargs -0 -r sha256sum) | sort -k2
}

# "SIZE NAME" for every file under DIR except report.xml, sorted by name.
list_output() {
  (cd "$1" && find . -type f ! -path ./report.xml -printf '%s %P\n') | sort -k2
}

# Runs COMMAND... under bench_measure, writing RECORD and LOG, after waiting for the file
# system to settle, reading INPUT into the page cache and syncing. Returns COMMAND's status.
timed_run() {
  local record=$1 log=$2 input=$3
  shift 3
  if [ "$SECONDS" -lt "$settle_until" ]; then sleep $((settle_until - SECONDS)); fi
  cat "$input" >/dev/null
  sync
  "$measure" --output "$log" "$record" -- "$@"
}

# Makes $work/inputs/NAME.pcap unless it exists with the same generator settings; sets
# input_file, input_bytes and input_packets.
make_input() {
  local name=$1 config stamp
  input_file=$work/inputs/$name.pcap
  stamp=$work/inputs/$name.stamp
  config=$("$gen" --preset "$name" --scale "$scale" --print-config) || die "bench_gen failed"
  if [ ! -f "$input_file" ] || [ ! -f "$stamp" ] || [ "$(head -n 1 "$stamp")" != "$config" ] ||
    [ "$(stat -c %s "$input_file")" != "$(sed -n 's/.*file_bytes=\([0-9]*\).*/\1/p' "$stamp")" ]
  then
    echo "generating $name (bench_gen --preset $name --scale $scale)" >&2
    rm -f "$input_file" "$stamp"
    local summary
    summary=$("$gen" --preset "$name" --scale "$scale" --out "$input_file.tmp") ||
      die "bench_gen --preset $name failed"
    mv "$input_file.tmp" "$input_file"
    printf '%s\n%s\n' "$config" "$summary" >"$stamp"
  fi
  input_bytes=$(stat -c %s "$input_file")
  input_packets=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$stamp" | head -n 1)
}

# Compares the digest lists OURS and REF; prints each difference and returns 1 if there is any.
compare_digests() {
  local ours_list=$1 ref_list=$2 label=$3
  if cmp -s "$ours_list" "$ref_list"; then return 0; fi
  echo "MISMATCH on $label: ours and the reference wrote different flow files:"
  join -1 2 -2 2 -a 1 -a 2 -e - -o 0,1.1,2.1 "$ours_list" "$ref_list" |
    awk '$2 != $3 { if ($2 == "-") print "  only the reference wrote " $1;
                    else if ($3 == "-") print "  only ours wrote " $1;
                    else print "  different bytes in " $1 }' | head -n 50
  return 1
}

# Runs PROGRAM (ours or ref) on the current input into OUT, records as NAME.PROGRAM.RUN. On
# failure prints why and returns 1.
run_tool() {
  local name=$1 program=$2 run=$3 out=$4 binary status tool_args=()
  binary=$ours
  [ "$program" = ref ] && binary=$ref
  # Up to a million flows are open at once in the scaling test: ours lifts its flow cap.
  [[ "$program" = ours && "$name" = scale-* ]] && tool_args=(-S max_flows=0)
  flush_truncations
  timed_run "$records/$name.$program.$run" "$logs/$name.$program.$run.log" "$input_file" \
    "$binary" "${extra_args[@]}" "${tool_args[@]}" -o "$out" -r "$input_file"
  status=$?
  if [ "$status" -ne 0 ]; then
    echo "FAIL $name: $program (run $run) exited with status $status;" \
      "see $logs/$name.$program.$run.log"
    return 1
  fi
}

# Checks run RUN of PROGRAM in OUT: run 1 is digested, later runs must list the same files and
# sizes as run 1. OUT is emptied before the next writing run.
check_run() {
  local dir=$1 program=$2 run=$3 out=$4 name=$5
  if [ "$run" -eq 1 ]; then
    digest_output "$out" >"$dir/$program.digests"
    list_output "$out" >"$dir/$program.sizes"
  elif ! list_output "$out" | cmp -s - "$dir/$program.sizes"; then
    echo "MISMATCH on $name: $program wrote other files in run $run than in run 1"
    failed=1
  fi
  defer_truncate "$out"
}

# ---------------------------------------------------------------------------- the three inputs

main_rows=()
floor_rows=()
cpu_rows=()

bench_input() {
  local name=$1 dir run program threads files
  make_input "$name"
  dir=$work/out/$name
  remove_output "$dir"
  mkdir -p "$dir"
  echo "== $name: $input_bytes bytes, $input_packets packets, $runs rounds" >&2
  if [ "$warmup" = 1 ]; then
    # Untimed, and without waiting for the file system to settle: it only has to make sure
    # that round 1 is not the first run after generating or deleting gigabytes.
    if begin_output "$dir"; then
      "$measure" --output "$logs/$name.warmup.log" "$records/$name.warmup" -- \
        "$ref" "${extra_args[@]}" -o "$out_base/warmup" -r "$input_file"
      defer_truncate "$out_base/warmup"
      end_output
    fi
  fi
  for ((run = 1; run <= runs; run++)); do
    for program in ours ref; do
      begin_output "$dir" && run_tool "$name" "$program" "$run" "$out_base/$program.$run" || {
        failed=1
        main_rows+=("| $name | failed: $program exited with an error |")
        end_output
        remove_output "$dir"
        return
      }
      check_run "$dir" "$program" "$run" "$out_base/$program.$run" "$name"
      end_output
    done
    if [ "$run" -eq 1 ]; then
      compare_digests "$dir/ours.digests" "$dir/ref.digests" "$name" || failed=1
    fi
    for threads in 1 2; do
      begin_output "$dir" || {
        failed=1
        continue
      }
      flush_truncations
      timed_run "$records/$name.write$threads.$run" "$logs/$name.write$threads.$run.log" \
        "$input_file" "$floor_write" --threads "$threads" --list "$dir/ref.sizes" \
        "$out_base/write$threads.$run" || failed=1
      defer_truncate "$out_base/write$threads.$run"
      end_output
    done
    # Last, so that it does not come between a truncation and the next writing run.
    timed_run "$records/$name.read.$run" "$logs/$name.read.$run.log" "$input_file" \
      "$floor_read" "$input_file" || failed=1
    echo "   round $run: ours $(field_of 1 "$records/$name.ours.$run") s," \
      "reference $(field_of 1 "$records/$name.ref.$run") s" >&2
  done
  files=$(wc -l <"$dir/ref.sizes")
  remove_output "$dir"

  local r=$records/$name ours_wall ref_wall pairs
  ours_wall=$(field_of 1 "$r".ours.* | median)
  ref_wall=$(field_of 1 "$r".ref.* | median)
  # The reference's time over ours in each round: above 1, ours was faster.
  pairs=$(for ((run = 1; run <= runs; run++)); do
    calc '%.6f\n' "$(field_of 1 "$r.ref.$run") / $(field_of 1 "$r.ours.$run")"
  done)
  main_rows+=("| $name | $(calc '%.0f' "$input_bytes / 1e6") | $input_packets | $files \
| $(calc '%.2f' "$ours_wall") | $(calc '%.2f' "$ref_wall") \
| $(calc '%.0f' "$input_bytes / 1e6 / $ours_wall") \
| $(calc '%.0f' "$input_bytes / 1e6 / $ref_wall") \
| $(calc '%.2f' "$input_packets / 1e6 / $ours_wall") \
| $(calc '%.2f' "$input_packets / 1e6 / $ref_wall") \
| **$(calc '%.2f' "$ref_wall / $ours_wall")** \
| $(calc '%.2f' "$(sort -g <<<"$pairs" | head -n 1)") / $(calc '%.2f' "$(median <<<"$pairs")") \
/ $(calc '%.2f' "$(sort -g <<<"$pairs" | tail -n 1)") |")
  floor_rows+=("| $name | $(calc '%.2f' "$ours_wall") | $(calc '%.2f' "$ref_wall") \
| $(calc '%.2f' "$(field_of 1 "$r".read.* | median)") \
| $(calc '%.2f' "$(field_of 1 "$r".write1.* | median)") \
| $(calc '%.2f' "$(field_of 1 "$r".write2.* | median)") |")
  cpu_rows+=("| $name | $(calc '%.2f' "$(field_of 2 "$r".ours.* | median)") \
| $(calc '%.2f' "$(field_of 3 "$r".ours.* | median)") \
| $(calc '%.2f' "$(field_of 2 "$r".ref.* | median)") \
| $(calc '%.2f' "$(field_of 3 "$r".ref.* | median)") \
| $(calc '%.0f' "$(field_of 4 "$r".ours.* | median) / 1024") \
| $(calc '%.0f' "$(field_of 4 "$r".ref.* | median) / 1024") |")
}

# ---------------------------------------------------------------------------- the scaling test

# Runs PROGRAM (ours, ref, or write1: the write floor for ours' file set) for run RUN of the
# current scaling input into DIR/PROGRAM.RUN, and checks the output. Returns 1 on failure.
scaling_run() {
  local name=$1 program=$2 run=$3 dir=$4 status=0
  begin_output "$dir" || return 1
  if [ "$program" = write1 ]; then
    flush_truncations
    timed_run "$records/$name.write1.$run" "$logs/$name.write1.$run.log" "$input_file" \
      "$floor_write" --threads 1 --list "$dir/ours.sizes" "$out_base/write1.$run" || status=1
    defer_truncate "$out_base/write1.$run"
  elif run_tool "$name" "$program" "$run" "$out_base/$program.$run"; then
    check_run "$dir" "$program" "$run" "$out_base/$program.$run" "$name"
  else
    status=1
  fi
  end_output || status=1
  return "$status"
}

scale_rows=()
scaling_verdict=

bench_scaling() {
  local n name dir run program programs=(ours) ns ns_values=() ref_column files
  local -A broken=()
  [ "$scaling_ref" = 1 ] && programs+=(ref)
  for n in "${scaling_n[@]}"; do
    name=scale-$n
    make_input "$name"
    remove_output "$work/out/$name"
    mkdir -p "$work/out/$name"
  done
  # Round by round, each round over every point: the machine's slow drift (its file system,
  # its memory) then falls on all points alike, not on whichever ran last. Each round starts one
  # point later than the one before, so no point always runs first, or after the same point.
  local count=${#scaling_n[@]} i steps
  for ((run = 1; run <= scaling_runs; run++)); do
    steps=("${programs[@]}")
    [ "$run" -le "$scaling_floor_runs" ] && steps+=(write1)
    for ((i = 0; i < count; i++)); do
      n=${scaling_n[$(((run - 1 + i) % count))]}
      [ -n "${broken[$n]:-}" ] && continue
      name=scale-$n
      make_input "$name"
      echo "== $name: $input_packets packets, run $run of $scaling_runs" >&2
      for program in "${steps[@]}"; do
        scaling_run "$name" "$program" "$run" "$work/out/$name" || {
          failed=1
          broken[$n]=1
          break
        }
      done
    done
  done
  for n in "${scaling_n[@]}"; do
    name=scale-$n
    make_input "$name"
    dir=$work/out/$name
    if [ -n "${broken[$n]:-}" ]; then
      scale_rows+=("| $n | failed: a program did not finish, see the messages above |")
      remove_output "$dir"
      continue
    fi
    if [ "$scaling_ref" = 1 ]; then
      compare_digests "$dir/ours.digests" "$dir/ref.digests" "$name" || failed=1
    fi
    files=$(wc -l <"$dir/ours.sizes")
    remove_output "$dir"
    ns=$(calc '%.0f' "$(field_of 1 "$records/$name".ours.* | median) * 1e9 / $input_packets")
    ns_values+=("$ns")
    ref_column=
    if [ "$scaling_ref" = 1 ]; then
      ref_column=" $(calc '%.0f' "$(field_of 1 "$records/$name".ref.* | median) * 1e9 / \
$input_packets") |"
    fi
    scale_rows+=("| $n | $input_packets | $files | $ns \
| $(calc '%.0f' "$(field_of 1 "$records/$name".write1.* | median) * 1e9 / $input_packets") \
| $(calc '%.0f' "$(field_of 4 "$records/$name".ours.* | median) / 1024") |$ref_column")
  done
  if [ "${#ns_values[@]}" -gt 1 ]; then
    local lowest highest
    lowest=$(printf '%s\n' "${ns_values[@]}" | sort -g | head -n 1)
    highest=$(printf '%s\n' "${ns_values[@]}" | sort -g | tail -n 1)
    if awk "BEGIN { exit !($highest <= $kFlatFactor * $lowest) }"; then
      scaling_verdict="flat: the slowest point is $(calc '%.2f' "$highest / $lowest") times \
the fastest (limit $kFlatFactor)"
    else
      scaling_verdict="NOT flat: the slowest point is $(calc '%.2f' "$highest / $lowest") times \
the fastest (limit $kFlatFactor)"
    fi
  fi
}

# ------------------------------------------------------------------------------------- report

# Writes the results block (Markdown) to standard output.
results_block() {
  local commit model
  commit=$(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ "$commit" != unknown ] &&
    [ -n "$(git -C "$srcdir" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes"
  fi
  model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit, on $(nproc) CPUs" \
    "(${model:-unknown model}), $(uname -sr)."
  echo "Ours: \`$("$ours" -V 2>&1 | head -n 1)\`; reference: \`$("$ref" -V 2>&1 | head -n 1)\`." \
    "BENCH_RUNS=$runs, BENCH_SCALING_RUNS=$scaling_runs, BENCH_SCALING_FLOOR_RUNS=$scaling_floor_runs, BENCH_SCALE=$scale, BENCH_FS=$fs_mode${BENCH_EXTRA_ARGS:+, BENCH_EXTRA_ARGS=$BENCH_EXTRA_ARGS}."
  if [ "${#main_rows[@]}" -gt 0 ]; then
    echo
    echo "| Input | MB | Packets | Files | Ours (s) | Reference (s) | Ours MB/s | Ref. MB/s \
| Ours Mpkt/s | Ref. Mpkt/s | Speedup | Speedup per round (min / median / max) |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    printf '%s\n' "${main_rows[@]}"
    echo
    echo "| Input | Ours (s) | Reference (s) | Read floor (s) | Write floor, 1 thread (s) \
| Write floor, 2 threads (s) |"
    echo "|---|--:|--:|--:|--:|--:|"
    printf '%s\n' "${floor_rows[@]}"
    echo
    echo "| Input | Ours user (s) | Ours sys (s) | Ref. user (s) | Ref. sys (s) \
| Ours peak RSS (MiB) | Ref. peak RSS (MiB) |"
    echo "|---|--:|--:|--:|--:|--:|--:|"
    printf '%s\n' "${cpu_rows[@]}"
  fi
  if [ "${#scale_rows[@]}" -gt 0 ]; then
    echo
    if [ "$scaling_ref" = 1 ]; then
      echo "| Concurrent flows | Packets | Files | Ours ns/packet | Write floor ns/packet \
| Ours peak RSS (MiB) | Ref. ns/packet |"
      echo "|--:|--:|--:|--:|--:|--:|--:|"
    else
      echo "| Concurrent flows | Packets | Files | Ours ns/packet | Write floor ns/packet \
| Ours peak RSS (MiB) |"
      echo "|--:|--:|--:|--:|--:|--:|"
    fi
    printf '%s\n' "${scale_rows[@]}"
    if [ -n "$scaling_verdict" ]; then
      echo
      echo "Scaling: $scaling_verdict."
    fi
  fi
}

# Replaces the text between the result markers of $readme with FILE.
update_readme() {
  local block=$1
  if ! grep -q '^<!-- bench-results-begin -->$' "$readme" ||
    ! grep -q '^<!-- bench-results-end -->$' "$readme"; then
    echo "run_bench.sh: $readme has no result markers; not updated" >&2
    return
  fi
  awk -v block="$block" '
    /^<!-- bench-results-end -->$/ { skip = 0 }
    !skip { print }
    /^<!-- bench-results-begin -->$/ {
      while ((getline line < block) > 0) print line
      skip = 1
    }' "$readme" >"$readme.tmp" || {
    echo "run_bench.sh: could not update $readme" >&2
    return
  }
  mv "$readme.tmp" "$readme"
}

# ---------------------------------------------------------------------------------------- main

# Outputs left by an interrupted run.
for dir in "$work"/out/*/mnt; do
  if mountpoint -q "$dir"; then umount "$dir" || die "cannot unmount $dir"; fi
done
rm -f "$work/scratch.img"
for dir in "$work"/out/*; do remove_output "$dir"; done

for name in "${inputs[@]}"; do bench_input "$name"; done
if [ "${#scaling_n[@]}" -gt 0 ]; then bench_scaling; fi

results_block >"$records/results.md"
echo
cat "$records/results.md"
if [ "${BENCH_README:-1}" != 0 ]; then update_readme "$records/results.md"; fi
exit "$failed"
