#!/bin/bash
# run_compat.sh: runs tcpflow 1.6.1 and ours on the same captures and compares the flow files.
#
# Every capture of the public corpus (../shared/corpus, as listed in its MANIFEST.tsv) and every
# scenario of tests/gen_capture is run through both programs with `-o DIR -r FILE`; a few generated
# captures are also run with extra arguments (kVariants below). For each run, the set of flow file
# names, the bytes of every file both sides wrote and the exit statuses are compared. Each
# difference must be listed in expected_differences.tsv (its reason ids are sections of
# doc/differences.md), and each listed difference must occur: every run must differ from 1.6.1 in
# exactly the listed ways.
#
# Environment (set by `make check`; all optional when run by hand):
#   top_srcdir, top_builddir  source and build trees (default: .)
#   REFERENCE_TCPFLOW   the reference binary; empty: /usr/bin/tcpflow; none: skip (exit 77)
#   OUR_TCPFLOW         our binary (default $top_builddir/src/tcpflow); point it at the reference
#                       to check the harness itself
#   GEN_CAPTURE         capture generator (default $top_builddir/tests/gen_capture)
#   TCPFLOW_CORPUS      corpus folder (default $top_srcdir/../shared/corpus)
#   COMPAT_EXPECTED     list of expected differences (default tests/compat/expected_differences.tsv)
#   COMPAT_JOBS         runs done in parallel (default: the number of CPUs)
#   COMPAT_KEEP=1       keep the output of runs that passed (that of failed runs is always kept)
#   STRIP_PADDING       the trailer-cutting tool (default $top_builddir/tests/compat/strip_padding)
# Output goes to $top_builddir/tests/compat/work, wiped at the start.
#
# Exit status: 0 every run passed, 1 something failed, 77 skipped (no reference binary, or nothing
# to compare), 99 the harness could not run (our binary missing, work folder not writable).

set -u
export LC_ALL=C

readonly kTimeoutSeconds=60
# Extra runs on generated captures: scenario<TAB>arguments (split on spaces).
readonly kVariants=(
  $'basic\t-b 10'
  $'basic\t-T %A-%B'
  $'reuse\t-T %A-%B'
  $'skip\t-m 100'
  $'retx_diff\t-S overlap=last'
  $'overlap_partial\t-S overlap=last'
  $'interleaved20\t-f 1'
  $'basic\t-I'
  $'reuse\t-I'
  $'interleaved20\t-I'
  $'zeek-tcp-reassembly.pcap\t-S overlap=last'
  $'sv-tcp-overlap2.pcap\t-S overlap=last'
)
readonly kMaxDetailLines=20

AbsPath() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
  esac
}

top_srcdir=$(AbsPath "${top_srcdir:-.}")
top_builddir=$(AbsPath "${top_builddir:-.}")

ref_bin=${REFERENCE_TCPFLOW:-}
if [[ -z $ref_bin && -x /usr/bin/tcpflow ]]; then
  ref_bin=/usr/bin/tcpflow
fi
if [[ -z $ref_bin || ! -x $ref_bin ]]; then
  echo "SKIP: reference tcpflow not installed"
  exit 77
fi
ref_bin=$(AbsPath "$ref_bin")

our_bin=$(AbsPath "${OUR_TCPFLOW:-$top_builddir/src/tcpflow}")
if [[ ! -x $our_bin ]]; then
  echo "ERROR: our tcpflow not found: $our_bin"
  exit 99
fi
gen_bin=$(AbsPath "${GEN_CAPTURE:-$top_builddir/tests/gen_capture}")
strip_bin=$(AbsPath "${STRIP_PADDING:-$top_builddir/tests/compat/strip_padding}")
corpus_dir=$(AbsPath "${TCPFLOW_CORPUS:-$top_srcdir/../shared/corpus}")
expected_tsv=$(AbsPath "${COMPAT_EXPECTED:-$top_srcdir/tests/compat/expected_differences.tsv}")
differences_doc=$top_srcdir/doc/differences.md
work=$top_builddir/tests/compat/work
jobs=${COMPAT_JOBS:-$(nproc 2>/dev/null || echo 2)}

rm -rf -- "$work"
if ! mkdir -p -- "$work/captures" "$work/runs"; then
  echo "ERROR: cannot create $work"
  exit 99
fi

passed=0
failed=0

# ---------------------------------------------------------------- the list of runs
# Parallel arrays, one element per run.
run_label=()   # capture name as used in expected_differences.tsv
run_args=()    # extra arguments, one string ("" for none)
run_file=()    # absolute path of the capture
run_source=()  # corpus | generated
corpus_ran=0
generated_ran=0

AddRun() {  # label args file source
  run_label+=("$1")
  run_args+=("$2")
  run_file+=("$3")
  run_source+=("$4")
}

declare -A capture_path=()  # capture label -> file, for the variants
if [[ ! -d $corpus_dir ]]; then
  echo "SKIP corpus: $corpus_dir not found"
elif [[ ! -f $corpus_dir/MANIFEST.tsv ]]; then
  echo "SKIP corpus: $corpus_dir/MANIFEST.tsv not found"
else
  corpus_ran=1
  first=1
  while IFS=$'\t' read -r name _; do
    if ((first)); then
      first=0
      continue
    fi
    [[ -z $name ]] && continue
    if [[ -f $corpus_dir/$name ]]; then
      capture_path[$name]=$corpus_dir/$name
      AddRun "$name" "" "$corpus_dir/$name" corpus
    else
      echo "FAIL $name: listed in MANIFEST.tsv but missing from $corpus_dir"
      failed=$((failed + 1))
    fi
  done <"$corpus_dir/MANIFEST.tsv"
fi

if [[ ! -x $gen_bin ]]; then
  echo "SKIP generated: gen_capture not built"
elif ! scenario_list=$("$gen_bin" --list </dev/null); then
  echo "FAIL generated: '$gen_bin --list' failed"
  failed=$((failed + 1))
else
  generated_ran=1
  declare -A generated_file=()
  while read -r name _; do
    [[ -z $name || $name == \#* ]] && continue
    out=$work/captures/${name//[^A-Za-z0-9_.-]/_}.pcap
    if "$gen_bin" "$name" "$out" </dev/null >"$out.log" 2>&1 && [[ -s $out ]]; then
      generated_file[$name]=$out
      capture_path[$name]=$out
      AddRun "$name" "" "$out" generated
    else
      echo "FAIL $name: gen_capture could not generate it (see $out.log)"
      failed=$((failed + 1))
    fi
  done <<<"$scenario_list"
fi
for variant in "${kVariants[@]}"; do
  name=${variant%%$'\t'*}
  args=${variant#*$'\t'}
  if [[ -n ${capture_path[$name]+set} ]]; then
    source=generated
    [[ ${capture_path[$name]} == "$corpus_dir"/* ]] && source=corpus
    AddRun "$name" "$args" "${capture_path[$name]}" "$source"
  elif [[ $name == *.pcap* && $corpus_ran == 0 ]] || [[ $name != *.pcap* && $generated_ran == 0 ]]; then
    :  # its source is skipped
  else
    echo "FAIL $name [$args]: no such capture"
    failed=$((failed + 1))
  fi
done

# ---------------------------------------------------------------- trailer padding
# Runs listed with kind "padding" differ from 1.6.1 only because 1.6.1 stores link-layer
# trailers as data. For them the reference also reads a copy of the capture with every frame cut
# at the end of its IP packet (strip_padding); ours must match that run exactly, and the trailers
# must really matter (the reference's two runs must differ), or the entry is stale.
declare -A padding_run=()
if [[ -f $expected_tsv ]]; then
  while IFS=$'\t' read -r c a k _; do
    [[ $k == padding ]] || continue
    [[ $a == - ]] && a=""
    padding_run["$c"$'\t'"$a"]=1
  done <"$expected_tsv"
fi
run_ref_file=()  # per run: the capture the reference reads
run_orig_base=() # per padding run: where the reference's run on the unchanged capture goes
for i in "${!run_label[@]}"; do
  run_ref_file+=("${run_file[$i]}")
  run_orig_base+=("")
  if [[ -n ${padding_run["${run_label[$i]}"$'\t'"${run_args[$i]}"]+set} ]]; then
    stripped=$work/captures/stripped-$i.pcap
    if "$strip_bin" "${run_file[$i]}" "$stripped" 2>"$stripped.log"; then
      run_ref_file[$i]=$stripped
      run_orig_base[$i]=$work/runs/$i/original
    else
      echo "FAIL ${run_label[$i]}: strip_padding failed: $(head -c 200 "$stripped.log")"
      failed=$((failed + 1))
    fi
  fi
done

if ((${#run_label[@]} == 0 && failed == 0)); then
  echo "SKIP: nothing to compare"
  exit 77
fi

# ---------------------------------------------------------------- the reference cache
# The reference's results only depend on the capture's bytes, the arguments and the reference
# binary, so they are kept between runs in $cache/<capture sha256><encoded args>/ (unless
# COMPAT_NO_CACHE=1). That halves the time of a repeated `make check`. The cache is dropped when
# the reference binary changes; entries no run used are pruned once every source has run.
cache=$top_builddir/tests/compat/refcache
run_ref_base=()  # per run: the folder that holds ref/, ref.rc and ref.sums
if [[ ${COMPAT_NO_CACHE:-0} == 1 ]]; then
  for i in "${!run_label[@]}"; do
    run_ref_base+=("$work/runs/$i")
  done
else
  identity="v1 $ref_bin $(stat -L -c '%s %Y' -- "$ref_bin")"
  stored_identity=""
  [[ -f $cache/IDENTITY ]] && read -r stored_identity <"$cache/IDENTITY"
  if [[ $stored_identity != "$identity" ]]; then
    rm -rf -- "$cache"
    mkdir -p -- "$cache" && printf '%s\n' "$identity" >"$cache/IDENTITY"
  fi
  declare -A capture_sha=()
  while IFS= read -r -d '' record; do
    capture_sha[${record:66}]=${record:0:64}
  done < <(sha256sum -z -- "${run_ref_file[@]}")
  declare -A key_taken=()
  for i in "${!run_label[@]}"; do
    encoded=${run_args[$i]//%/%25}
    encoded=${encoded// /%20}
    encoded=${encoded//\//%2F}
    key=${capture_sha[${run_ref_file[$i]}]:-}$encoded
    # Two runs of identical bytes and arguments would race for one entry: the second one (and a
    # capture that could not be hashed) is not cached.
    if [[ -z ${capture_sha[${run_ref_file[$i]}]:-} || -n ${key_taken[$key]+set} ]]; then
      run_ref_base+=("$work/runs/$i")
    else
      key_taken[$key]=1
      run_ref_base+=("$cache/$key")
    fi
  done
fi

# ---------------------------------------------------------------- running both programs
# Runs one capture through both programs. Ours goes to $work/runs/N (ours/ is the -o folder, then
# ours.rc, ours.out, ours.err, ours.sums); the reference goes the same way to the run's ref base,
# unless that already holds a result (ref.rc is written last, so a cut-off run is not reused).
# *.sums hold NUL-separated "SHA256  SIDE/NAME" records of the files to compare. Meant for a
# background subshell: it changes directory. It forks as little as it can, because process
# creation dominates the run time on small captures.
# Uses `filter` (find arguments that leave out files not compared) from RunCase.
RunSide() {  # side binary folder capture args...
  local side=$1 bin=$2 base=$3 input=$4 rc
  shift 4
  if [[ -e $base/$side ]]; then
    rm -rf -- "${base:?}/$side" || return
  fi
  mkdir -p -- "$base/$side" && cd -- "$base" || return
  timeout -k 5 "$kTimeoutSeconds" "$bin" "$@" -o "$base/$side" -r "$input" \
    </dev/null >"$side.out" 2>"$side.err"
  rc=$?
  find "$side" -type f "${filter[@]}" -printf '%p\0' | xargs -0 -r sha256sum -z -- >"$side.sums"
  # A time-out may come from a busy machine: never cache it.
  if [[ $side == ours || ($rc != 124 && $rc != 137) ]]; then
    echo "$rc" >"$side.rc"
  else
    echo "$rc" >"$side.rc.uncached"
  fi
}

RunCase() {  # index
  local i=$1 args=()
  [[ -n ${run_args[$i]} ]] && read -r -a args <<<"${run_args[$i]}"
  local filter=(! -name report.xml)
  local spaced=" ${run_args[$i]} "
  [[ $spaced == *" -I "* ]] || filter+=(! -name '*.findx')
  [[ $spaced == *" -a "* || $spaced == *" -e netviz "* || $spaced == *" -e all "* ]] ||
    filter+=(! -name report.pdf)
  [[ $spaced == *" -a "* || $spaced == *" -e http "* || $spaced == *" -e all "* ]] ||
    filter+=(! -name '*-HTTPBODY-*')
  if [[ ! -f ${run_ref_base[$i]}/ref.rc ]]; then
    RunSide ref "$ref_bin" "${run_ref_base[$i]}" "${run_ref_file[$i]}" "${args[@]}"
  fi
  if [[ -n ${run_orig_base[$i]} ]]; then
    RunSide ref "$ref_bin" "${run_orig_base[$i]}" "${run_file[$i]}" "${args[@]}"
  fi
  RunSide ours "$our_bin" "$work/runs/$i" "${run_file[$i]}" "${args[@]}"
}

KillRunningCases() {  # on an early exit (e.g. Ctrl-C), stop the cases this script started
  local pids=()
  mapfile -t pids < <(jobs -p)
  ((${#pids[@]} == 0)) || kill "${pids[@]}" 2>/dev/null
}
trap KillRunningCases EXIT
running=0
for i in "${!run_label[@]}"; do
  RunCase "$i" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
done
wait
trap - EXIT

# ---------------------------------------------------------------- expected differences
exp_line=()
exp_capture=()
exp_args=()
exp_kind=()
exp_name=()
exp_reason=()
tsv_ok=1
if [[ ! -f $expected_tsv ]]; then
  echo "FAIL expected_differences.tsv: $expected_tsv not found"
  failed=$((failed + 1))
  tsv_ok=0
else
  line_no=0
  while IFS= read -r line || [[ -n $line ]]; do
    line_no=$((line_no + 1))
    [[ -z ${line//[[:space:]]/} || $line == \#* || $line == capture$'\t'* ]] && continue
    IFS=$'\t' read -r -a fields <<<"$line"
    problem=""
    if ((${#fields[@]} != 5)); then
      problem="expected 5 tab-separated columns, found ${#fields[@]}"
    else
      case ${fields[2]} in
        only_ours | only_ref | bytes | exit | any_only_ours | any_only_ref | any_bytes | padding) ;;
        *) problem="unknown kind '${fields[2]}'" ;;
      esac
      if [[ -z $problem && -f $differences_doc ]] &&
        ! grep -qF "id=\"${fields[4]}\"" -- "$differences_doc"; then
        problem="reason '${fields[4]}' has no anchor in doc/differences.md"
      fi
    fi
    if [[ -n $problem ]]; then
      echo "FAIL expected_differences.tsv:$line_no: $problem"
      tsv_ok=0
      continue
    fi
    exp_line+=("$line_no")
    exp_capture+=("${fields[0]}")
    if [[ ${fields[1]} == - ]]; then exp_args+=(""); else exp_args+=("${fields[1]}"); fi
    exp_kind+=("${fields[2]}")
    exp_name+=("${fields[3]}")
    exp_reason+=("${fields[4]}")
  done <"$expected_tsv"
  ((tsv_ok)) || failed=$((failed + 1))
fi

# Does expected entry $1 cover the difference kind $2, name $3?
EntryMatches() {
  local e=$1 kind=$2 name=$3
  case ${exp_kind[$e]} in
    any_*)
      [[ ${exp_kind[$e]#any_} == "$kind" ]] || return 1
      # shellcheck disable=SC2053  # the name column is a glob for any_* entries
      [[ $name == ${exp_name[$e]} ]]
      ;;
    *)
      [[ ${exp_kind[$e]} == "$kind" ]] || return 1
      [[ ${exp_name[$e]} == "$name" || ($kind == exit && ${exp_name[$e]} == "*") ]]
      ;;
  esac
}

# ---------------------------------------------------------------- comparing
declare -A entry_used=()  # expected entry index -> number of differences it covered
total_files=0
corpus_files=0
generated_files=0
total_identical=0
total_expected=0
passed_dirs=()

for i in "${!run_label[@]}"; do
  label=${run_label[$i]}
  arg_text=${run_args[$i]}
  title=$label
  [[ -n $arg_text ]] && title="$label [$arg_text]"
  dir=$work/runs/$i
  ref_base=${run_ref_base[$i]}
  if [[ -f $ref_base/ref.rc ]]; then
    read -r ref_rc <"$ref_base/ref.rc"
  else
    read -r ref_rc <"$ref_base/ref.rc.uncached"
  fi
  read -r our_rc <"$dir/ours.rc"
  declare -A ref_sums=() our_sums=()
  while IFS= read -r -d '' record; do
    ref_sums[${record:70}]=${record:0:64}  # the name follows "SHA256  ref/"
  done <"$ref_base/ref.sums"
  while IFS= read -r -d '' record; do
    our_sums[${record:71}]=${record:0:64}  # the name follows "SHA256  ours/"
  done <"$dir/ours.sums"

  kinds=()
  names=()
  files=0
  identical=0
  for name in "${!ref_sums[@]}"; do
    files=$((files + 1))
    if [[ -z ${our_sums[$name]+set} ]]; then
      kinds+=(only_ref)
      names+=("$name")
    elif [[ ${ref_sums[$name]} != "${our_sums[$name]}" ]]; then
      kinds+=(bytes)
      names+=("$name")
    else
      identical=$((identical + 1))
    fi
  done
  for name in "${!our_sums[@]}"; do
    if [[ -z ${ref_sums[$name]+set} ]]; then
      files=$((files + 1))
      kinds+=(only_ours)
      names+=("$name")
    fi
  done
  unset ref_sums our_sums
  if [[ $ref_rc != "$our_rc" ]]; then
    kinds+=(exit)
    names+=("$ref_rc:$our_rc")
  fi

  # Entries that apply to this run.
  entries=()
  for e in "${!exp_capture[@]}"; do
    [[ ${exp_capture[$e]} == "$label" && ${exp_args[$e]} == "$arg_text" ]] && entries+=("$e")
  done
  details=()
  reasons=()
  expected=0
  for e in "${entries[@]}"; do
    [[ ${exp_kind[$e]} == padding && -n ${run_orig_base[$i]} ]] || continue
    if ! cmp -s <(tr '\0' '\n' <"${run_orig_base[$i]}/ref.sums" | sort) \
      <(tr '\0' '\n' <"$ref_base/ref.sums" | sort); then
      entry_used[$e]=1
      reasons+=("${exp_reason[$e]}")
    fi
  done
  for d in "${!kinds[@]}"; do
    covered=""
    for e in "${entries[@]}"; do
      if EntryMatches "$e" "${kinds[$d]}" "${names[$d]}"; then
        covered=$e
        break
      fi
    done
    if [[ -n $covered ]]; then
      entry_used[$covered]=$((${entry_used[$covered]:-0} + 1))
      expected=$((expected + 1))
      reason=${exp_reason[$covered]}
      [[ " ${reasons[*]} " == *" $reason "* ]] || reasons+=("$reason")
    else
      details+=("unexpected ${kinds[$d]} ${names[$d]}")
    fi
  done
  for e in "${entries[@]}"; do
    if [[ -z ${entry_used[$e]+set} ]]; then
      missing="${exp_kind[$e]} ${exp_name[$e]}"
      details+=("listed but did not occur (tsv line ${exp_line[$e]}): $missing")
    fi
  done

  total_files=$((total_files + files))
  total_identical=$((total_identical + identical))
  total_expected=$((total_expected + expected))
  if [[ ${run_source[$i]} == corpus ]]; then
    corpus_files=$((corpus_files + files))
  else
    generated_files=$((generated_files + files))
  fi

  summary="$files files, $identical identical"
  if ((expected > 0)); then
    summary+=", $expected expected differences (${reasons[*]})"
  fi
  if ((${#details[@]} == 0)); then
    echo "ok $title: $summary"
    passed=$((passed + 1))
    passed_dirs+=("$dir")
  else
    echo "FAIL $title: $summary; ${#details[@]} problems"
    echo "    output: ours in $dir, reference in $ref_base"
    printf '    %s\n' "${details[@]}" | sort | head -n "$kMaxDetailLines"
    if ((${#details[@]} > kMaxDetailLines)); then
      echo "    ... and $((${#details[@]} - kMaxDetailLines)) more"
    fi
    if [[ $ref_rc != "$our_rc" ]]; then
      echo "    exit status: reference $ref_rc, ours $our_rc"
      [[ -s $dir/ours.err ]] && sed -n '1,3s/^/    ours stderr: /p' -- "$dir/ours.err"
    fi
    failed=$((failed + 1))
  fi
done

# Entries for runs that do not exist (a typo or a stale line) can only be told apart from entries
# for a missing source when every source ran.
if ((corpus_ran && generated_ran)); then
  declare -A run_exists=()
  for i in "${!run_label[@]}"; do
    run_exists["${run_label[$i]}"$'\t'"${run_args[$i]}"]=1
  done
  stale=0
  for e in "${!exp_capture[@]}"; do
    if [[ -z ${run_exists["${exp_capture[$e]}"$'\t'"${exp_args[$e]}"]+set} ]]; then
      echo "FAIL expected_differences.tsv:${exp_line[$e]}: no run '${exp_capture[$e]}'" \
        "with args '${exp_args[$e]:--}'"
      stale=1
    fi
  done
  ((stale)) && failed=$((failed + 1))
fi

# Drop cached reference results that no run asked for (captures that changed or went away).
if ((corpus_ran && generated_ran)) && [[ ${COMPAT_NO_CACHE:-0} != 1 ]]; then
  declare -A cache_used=()
  for base in "${run_ref_base[@]}"; do
    cache_used[$base]=1
  done
  unused=()
  for base in "$cache"/*/; do
    base=${base%/}
    [[ -d $base && -z ${cache_used[$base]+set} ]] && unused+=("$base")
  done
  ((${#unused[@]} == 0)) || rm -rf -- "${unused[@]}"
fi
[[ ${COMPAT_KEEP:-0} == 1 || ${#passed_dirs[@]} == 0 ]] || rm -rf -- "${passed_dirs[@]}"
echo "compat: compared $total_files flow files" \
  "(corpus $corpus_files, generated $generated_files)," \
  "$total_identical byte-identical, $total_expected expected differences"
echo "$passed passed, $failed failed"
((failed == 0))
