#!/bin/bash
# run_compat.sh: runs tcpflow 1.6.1 and ours on the same captures and compares their output.
#
# Every capture of the public corpus (../shared/corpus, as listed in its MANIFEST.tsv) and every
# scenario of tests/gen_capture is run through both programs with `-o DIR -r FILE`, then again in
# console modes (kConsoleVariants for the corpus, kGeneratedConsoleVariants for generated ones);
# corpus captures are also run with the file naming and index options (kCorpusVariants), and a few
# captures with other extra arguments (kVariants). For
# each run, the set of flow file names, the bytes of every file both sides wrote, the exit
# statuses and, in console mode, standard output are compared. Each difference must be listed in
# expected_differences.tsv (its reason ids are sections of doc/differences.md), and each listed
# difference must occur: every run must differ from 1.6.1 in exactly the listed ways.
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
#   COMPAT_SCOPE        full: kConsoleVariants and kCorpusVariants run on every corpus capture;
#                       reduced: only on kReducedCorpus, and generated captures get one console
#                       variant (process creation is slow under ASan).
#                       Default: reduced when our binary is built with AddressSanitizer, else full
#   STRIP_PADDING       the trailer-cutting tool (default $top_builddir/tests/compat/strip_padding)
# Output goes to $top_builddir/tests/compat/work, wiped at the start.
#
# Exit status: 0 every run passed, 1 something failed, 77 skipped (no reference binary, or nothing
# to compare), 99 the harness could not run (our binary missing, work folder not writable).

set -u
shopt -s extglob
export LC_ALL=C

readonly kTimeoutSeconds=60
# 1.6.1 runs that are listed as hanging (kind "hang") are stopped after this many seconds.
readonly kHangSeconds=4
# Extra runs on single captures: capture<TAB>arguments (split on spaces).
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
# Console modes, run on every corpus capture; standard output is compared byte for byte. (-s is
# the default of -c, and -J leaves the header out, so "-c -s" and "-C -J" would repeat other runs.)
readonly kConsoleVariants=(
  '-c' '-C' '-c -D' '-C -D' '-c -J' '-c -B' '-c -0' '-c -g' '-c -b 100'
)
# The console modes run on every generated capture (only the first one with COMPAT_SCOPE=reduced).
readonly kGeneratedConsoleVariants=('-c' '-C -D' '-c -J')
# Naming and index options, run on every corpus capture (file names and bytes compared). -Ftk and
# -FkT stand for -Ft, -FT and -Fk (each letter adds its prefix), and -Fg for -Fm; the long -T
# template has every token but the MAC addresses (see doc/differences.md#mac-non-ethernet).
readonly kCorpusVariants=(
  '-I'
  '-T %A-%a-%B-%b-%V-%v-%T-%t-%c-%C-%#-%N-%K-%M-%G-%S-%%'
  '-T %A/%a/%B/%b/%C%c%N.flow'
  '-Fg' '-Ftk' '-FkT' '-Fc'
)
# Corpus captures left out of kCorpusVariants, to keep the run time down: ppa-ftp-crack.pcap
# writes 2818 flow files per run. (zeek-echo-connections.pcap still takes flow ids past 1000.)
readonly kNoFileVariants=(ppa-ftp-crack.pcap)
# With COMPAT_SCOPE=reduced, the corpus captures that still get kConsoleVariants and
# kCorpusVariants: small ones that between them show the main kinds of difference.
readonly kReducedCorpus=(
  dpkt-http.pcap pp-frag_http_req.pcap pp-raw_ip.pcap tcpflow-local-null.pcap
  tcpflow-test3-ipv6-http.pcap tcpflow-test7-three-flows.pcap zeek-tcp-reassembly.pcap
  zeek-vlan-collisions.pcap zeek-http-qinq.pcap sv-decode-sll2-01.pcap tcpflow-test1-out-of-order.pcapng
  pp-pcapng-example.pcapng
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
  echo "0 passed, 0 failed"
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
scope=${COMPAT_SCOPE:-}
if [[ -z $scope ]]; then
  scope=full
  grep -qa __asan_init -- "$our_bin" && scope=reduced
fi
case $scope in
  full | reduced) ;;
  *)
    echo "ERROR: COMPAT_SCOPE must be 'full' or 'reduced', not '$scope'"
    exit 99
    ;;
esac

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
run_console=() # 1 when the run prints to the console (-c or -C): stdout is compared too
corpus_ran=0
generated_ran=0

AddRun() {  # label args file source
  local spaced=" $2 " console=0
  [[ $spaced == *" -c "* || $spaced == *" -C "* ]] && console=1
  run_label+=("$1")
  run_args+=("$2")
  run_file+=("$3")
  run_source+=("$4")
  run_console+=("$console")
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
  while read -r name _; do
    [[ -z $name || $name == \#* ]] && continue
    out=$work/captures/${name//[^A-Za-z0-9_.-]/_}.pcap
    if "$gen_bin" "$name" "$out" </dev/null >"$out.log" 2>&1 && [[ -s $out ]]; then
      capture_path[$name]=$out
      AddRun "$name" "" "$out" generated
    else
      echo "FAIL $name: gen_capture could not generate it (see $out.log)"
      failed=$((failed + 1))
    fi
  done <<<"$scenario_list"
fi
declare -A reduced_corpus=()
for name in "${kReducedCorpus[@]}"; do
  reduced_corpus[$name]=1
done
base_runs=${#run_label[@]}
for ((i = 0; i < base_runs; i++)); do
  if [[ ${run_source[$i]} == generated ]]; then
    variants=("${kGeneratedConsoleVariants[@]}")
    [[ $scope == full ]] || variants=("${kGeneratedConsoleVariants[0]}")
    for args in "${variants[@]}"; do
      AddRun "${run_label[$i]}" "$args" "${run_file[$i]}" generated
    done
  elif [[ $scope == full || -n ${reduced_corpus[${run_label[$i]}]+set} ]]; then
    for args in "${kConsoleVariants[@]}"; do
      AddRun "${run_label[$i]}" "$args" "${run_file[$i]}" corpus
    done
    [[ " ${kNoFileVariants[*]} " == *" ${run_label[$i]} "* ]] && continue
    for args in "${kCorpusVariants[@]}"; do
      AddRun "${run_label[$i]}" "$args" "${run_file[$i]}" corpus
    done
  fi
done
echo "compat scope: $scope"
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
  declare -A doc_anchor=()  # the section ids of doc/differences.md
  if [[ -f $differences_doc ]]; then
    while IFS= read -r line; do
      [[ $line =~ \<a\ id=\"([^\"]*)\" ]] && doc_anchor[${BASH_REMATCH[1]}]=1
    done <"$differences_doc"
  fi
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
        only_ours | only_ref | bytes | exit | any_only_ours | any_only_ref | any_bytes | padding | hang | \
          ref_rename) ;;
        stdout | stdout_added)
          [[ ${fields[3]} == "*" ]] || problem="the name of a ${fields[2]} line must be *"
          ;;
        *) problem="unknown kind '${fields[2]}'" ;;
      esac
      if [[ -z $problem && -f $differences_doc && -z ${doc_anchor[${fields[4]}]+set} ]]; then
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

# The entries that apply to each run: same capture (or capture *), and arguments that match the
# args column as a pattern (extglob; plain arguments match only themselves).
declare -A entries_of_capture=()  # capture -> space-separated entry indexes
entries_any=""                    # the entries for capture *
for e in "${!exp_capture[@]}"; do
  if [[ ${exp_capture[$e]} == "*" ]]; then
    entries_any+=" $e"
  else
    entries_of_capture[${exp_capture[$e]}]+=" $e"
  fi
done
run_entries=()  # per run: space-separated entry indexes
declare -A entry_runs=()  # entry index -> number of runs it applies to
for i in "${!run_label[@]}"; do
  list=""
  for e in ${entries_of_capture[${run_label[$i]}]:-} $entries_any; do
    # shellcheck disable=SC2053  # the args column is a pattern
    if [[ ${run_args[$i]} == ${exp_args[$e]} ]]; then
      list+=" $e"
      entry_runs[$e]=$((${entry_runs[$e]:-0} + 1))
    fi
  done
  run_entries+=("$list")
done

RunHasKind() {  # index kind: sets `found` to the first entry of that kind that applies to the run
  local e
  found=""
  for e in ${run_entries[$1]}; do
    if [[ ${exp_kind[$e]} == "$2" ]]; then
      found=$e
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------- trailer padding
# Runs listed with kind "padding" differ from 1.6.1 only because 1.6.1 stores link-layer
# trailers as data. For them the reference also reads a copy of the capture with every frame cut
# at the end of its IP packet (strip_padding); ours must match that run exactly. In the plain run
# the reference also reads the unchanged capture, and the trailers must really matter (the two
# reference runs must differ), or the entry is stale; variant runs skip that second run.
run_ref_file=()  # per run: the capture the reference reads
run_orig_base=() # per plain padding run: where the reference's run on the unchanged capture goes
run_hang=()      # per run: 1 when 1.6.1 is listed as hanging (it gets kHangSeconds)
declare -A stripped_file=()  # capture label -> stripped copy ("" when strip_padding failed)
for i in "${!run_label[@]}"; do
  run_ref_file+=("${run_file[$i]}")
  run_orig_base+=("")
  hang=0
  RunHasKind "$i" hang && hang=1
  run_hang+=("$hang")
  RunHasKind "$i" padding || continue
  label=${run_label[$i]}
  if [[ -z ${stripped_file[$label]+set} ]]; then
    stripped=$work/captures/stripped-${label//[^A-Za-z0-9_.-]/_}.pcap
    if "$strip_bin" "${run_file[$i]}" "$stripped" 2>"$stripped.log"; then
      stripped_file[$label]=$stripped
    else
      stripped_file[$label]=""
      echo "FAIL $label: strip_padding failed: $(head -c 200 "$stripped.log")"
      failed=$((failed + 1))
    fi
  fi
  if [[ -n ${stripped_file[$label]} ]]; then
    run_ref_file[i]=${stripped_file[$label]}
    [[ -z ${run_args[$i]} ]] && run_orig_base[i]=$work/runs/$i/original
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
  identity="v3 $ref_bin $(stat -L -c '%s %Y' -- "$ref_bin")"
  stored_identity=""
  [[ -f $cache/IDENTITY ]] && read -r stored_identity <"$cache/IDENTITY"
  if [[ $stored_identity != "$identity" ]]; then
    rm -rf -- "$cache"
    mkdir -p -- "$cache" && printf '%s\n' "$identity" >"$cache/IDENTITY"
  fi
  declare -A capture_sha=()
  mapfile -t ref_files < <(printf '%s\n' "${run_ref_file[@]}" | sort -u)
  while IFS= read -r -d '' record; do
    capture_sha[${record:66}]=${record:0:64}
  done < <(sha256sum -z -- "${ref_files[@]}")
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

# ---------------------------------------------------------------- running and comparing
# Each run is one background job (RunCase) that runs both programs and compares their output; it
# writes $work/runs/N/result, read in order afterwards. Process creation is slow on small VMs, so
# the jobs fork as little as they can: files are listed with globstar, hashed with one sha256sum.
shopt -s globstar nullglob dotglob

# Does expected entry $1 cover the difference kind $2, name $3?
EntryMatches() {
  local e=$1 kind=$2 name=$3
  case ${exp_kind[$e]} in
    any_*)
      [[ ${exp_kind[$e]#any_} == "$kind" ]] || return 1
      # shellcheck disable=SC2053  # the name column is a glob for any_* entries
      [[ $name == ${exp_name[$e]} ]]
      ;;
    hang)
      [[ $kind == exit && ($name == 124:* || $name == 137:*) ]]
      ;;
    stdout | stdout_added)
      [[ ${exp_kind[$e]} == "$kind" ]]
      ;;
    *)
      [[ ${exp_kind[$e]} == "$kind" ]] || return 1
      [[ ${exp_name[$e]} == "$name" || ($kind == exit && ${exp_name[$e]} == "*") ]]
      ;;
  esac
}

# Runs one side of one run into BASE: BASE/SIDE is the -o folder (in console runs the working
# folder, with no -o, because the console header holds the -o prefix), then SIDE.rc, SIDE.err,
# SIDE.out (console runs) and SIDE.sums: NUL-separated "SHA256  SIDE/NAME" records of the files
# to compare, plus "SHA256  SIDE.out" in console runs. The reference's results may come from the
# cache (ref.rc is written last, so a cut-off run is not reused). Meant for a background subshell:
# it changes directory. Uses `skip` (file name patterns not compared), `console` and `limit` (the
# time limit in seconds) from RunCase.
RunSide() {  # side binary folder capture args...
  local side=$1 bin=$2 base=$3 input=$4 rc f listed=() out=()
  shift 4
  # (Console runs' folders are made beforehand; they hold no flow files.)
  if [[ -e $base/$side ]] && ((!console)); then
    rm -rf -- "${base:?}/$side" || return
  fi
  cd -- "$base" || return
  [[ -e $side.rc || -e $side.rc.uncached ]] && rm -f -- "$side.rc" "$side.rc.uncached"
  if ((console)); then
    cd -- "$side" || return
    timeout -k 2 "$limit" "$bin" "$@" -r "$input" </dev/null >"../$side.out" 2>"../$side.err"
    rc=$?
    cd .. || return
    out=("$side.out")
  else
    timeout -k 2 "$limit" "$bin" "$@" -o "$base/$side" -r "$input" \
      </dev/null >/dev/null 2>"$side.err"
    rc=$?
  fi
  for f in "$side"/**; do
    [[ -f $f && ! -L $f && ${f##*/} != @($skip) ]] && listed+=("$f")
  done
  if ((${#listed[@]} + ${#out[@]} > 0)); then
    sha256sum -z -- "${listed[@]}" "${out[@]}" >"$side.sums"
  else
    : >"$side.sums"
  fi
  # A time-out may come from a busy machine: never cache it.
  if [[ $side == ours || ($rc != 124 && $rc != 137) ]]; then
    echo "$rc" >"$side.rc"
  else
    echo "$rc" >"$side.rc.uncached"
  fi
}

# Reads a .sums file into the associative array named $2 (name without the side's "SIDE/"
# prefix -> SHA-256); the stdout record goes to the key "(stdout)".
ReadSums() {  # file array side
  local -n sums_=$2  # the caller's array
  local record name
  while IFS= read -r -d '' record; do
    name=${record:66}
    if [[ $name == "$3.out" ]]; then
      sums_["(stdout)"]=${record:0:64}
    else
      # shellcheck disable=SC2034  # sums_ refers to the caller's array
      sums_[${name#"$3/"}]=${record:0:64}
    fi
  done <"$1"
}

RunCase() {  # index
  local i=$1 args=() console=${run_console[$1]} limit=$kTimeoutSeconds variant=${run_args[$1]}
  local ref_base=${run_ref_base[$1]} dir=$work/runs/$1
  [[ -n ${run_args[$i]} ]] && read -r -a args <<<"${run_args[$i]}"
  local skip=report.xml spaced=" ${run_args[$i]} "
  [[ $spaced == *" -I "* ]] || skip+='|*.findx'
  [[ $spaced == *" -a "* || $spaced == *" -e netviz "* || $spaced == *" -e all "* ]] ||
    skip+='|report.pdf'
  [[ $spaced == *" -a "* || $spaced == *" -e http "* || $spaced == *" -e all "* ]] ||
    skip+='|*-HTTPBODY-*'
  ((run_hang[i])) && limit=$kHangSeconds
  if [[ ! -f $ref_base/ref.rc ]]; then
    RunSide ref "$ref_bin" "$ref_base" "${run_ref_file[$i]}" "${args[@]}"
  fi
  if [[ -n ${run_orig_base[$i]} ]]; then
    RunSide ref "$ref_bin" "${run_orig_base[$i]}" "${run_file[$i]}" "${args[@]}"
  fi
  limit=$kTimeoutSeconds
  RunSide ours "$our_bin" "$dir" "${run_file[$i]}" "${args[@]}"
  local -A ref_sums=() our_sums=()
  ReadSums "$ref_base/ref.sums" ref_sums ref
  ReadSums "$dir/ours.sums" our_sums ours
  if ((console)) && [[ ${ref_sums["(stdout)"]} != "${our_sums["(stdout)"]}" && ! -f $ref_base/ref.out ]]; then
    # An earlier run matched, so the cache kept only the digest: run 1.6.1 again for the text.
    ((run_hang[i])) && limit=$kHangSeconds
    RunSide ref "$ref_bin" "$ref_base" "${run_ref_file[$i]}" "${args[@]}"
  fi
  CompareRun >"$dir/result"
}

# Compares the two sides of run $i (RunCase's locals) and prints the run's result: a line
# "counts FILES IDENTICAL EXPECTED CONSOLE_SAME CONSOLE_EXPECTED PASSED", a line "used E...", then
# the report lines.
CompareRun() {
  local label=${run_label[$i]} title=${run_label[$i]} ref_rc our_rc e d n name reason
  local kinds=() names=() details=() reasons=() files=0 identical=0 expected=0
  local out_same=0 out_expected=0 passed=0 rename padding_entry changed found
  local -A used_here=()
  [[ -n $variant ]] && title="$label [$variant]"
  if [[ -f $ref_base/ref.rc ]]; then
    read -r ref_rc <"$ref_base/ref.rc"
  else
    read -r ref_rc <"$ref_base/ref.rc.uncached"
  fi
  read -r our_rc <"$dir/ours.rc"
  local ref_out=${ref_sums["(stdout)"]:-} our_out=${our_sums["(stdout)"]:-}
  unset 'ref_sums[(stdout)]' 'our_sums[(stdout)]'

  # A ref_rename line renames the reference's files (sed script) before they are compared.
  if RunHasKind "$i" ref_rename && ((${#ref_sums[@]} > 0)); then
    rename=$found
    local old_names=("${!ref_sums[@]}") new_names=()
    local -A renamed=()
    mapfile -t new_names < <(printf '%s\n' "${old_names[@]}" | sed -e "${exp_name[$rename]}")
    for n in "${!old_names[@]}"; do
      renamed[${new_names[$n]:-}]=${ref_sums[${old_names[$n]}]}
      [[ ${new_names[$n]:-} == "${old_names[$n]}" ]] || used_here[$rename]=1
    done
    ref_sums=()
    for n in "${!renamed[@]}"; do
      ref_sums[$n]=${renamed[$n]}
    done
    [[ -n ${used_here[$rename]+set} ]] && reasons+=("${exp_reason[$rename]}")
  fi

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
  if [[ $ref_rc != "$our_rc" ]]; then
    kinds+=(exit)
    names+=("$ref_rc:$our_rc")
  fi
  # Console output: "stdout_added" when our output is 1.6.1's with whole lines added (flows that
  # only we decode), "stdout" for any other difference.
  if ((console)); then
    if [[ -n $ref_out && $ref_out == "$our_out" ]]; then
      out_same=1
    else
      changed=$(diff -a --old-group-format=x --changed-group-format=x --new-group-format= \
        --unchanged-group-format= -- "$ref_base/ref.out" "$dir/ours.out" 2>&1 | head -c 1)
      if [[ -n $changed ]]; then
        kinds+=(stdout)
      else
        kinds+=(stdout_added)
      fi
      names+=("($(cmp -- "$ref_base/ref.out" "$dir/ours.out" 2>&1 |
        sed -n "1{s#[^ ]*/ref\.out#1.6.1's#g;s#[^ ]*/ours\.out#ours#g;s#^cmp: ##;p}"))")
    fi
  fi

  # Padding: the reference's runs on the stripped and on the unchanged capture must differ.
  RunHasKind "$i" padding
  padding_entry=$found
  if [[ -n $padding_entry && -z ${run_orig_base[$i]} && ${run_ref_file[$i]} != "${run_file[$i]}" ]]; then
    used_here[$padding_entry]=1
    reasons+=("${exp_reason[$padding_entry]}")
  elif [[ -n $padding_entry && -n ${run_orig_base[$i]} ]]; then
    local -A orig_sums=() stripped_sums=()
    ReadSums "${run_orig_base[$i]}/ref.sums" orig_sums ref
    ReadSums "$ref_base/ref.sums" stripped_sums ref
    local differ=0
    if ((${#orig_sums[@]} != ${#stripped_sums[@]})); then
      differ=1
    else
      for name in "${!orig_sums[@]}"; do
        [[ ${orig_sums[$name]} == "${stripped_sums[$name]:-}" ]] || differ=1
      done
    fi
    if ((differ)); then
      used_here[$padding_entry]=1
      reasons+=("${exp_reason[$padding_entry]}")
    fi
  fi
  for d in "${!kinds[@]}"; do
    covered=""
    for e in ${run_entries[$i]}; do
      if EntryMatches "$e" "${kinds[$d]}" "${names[$d]}"; then
        covered=$e
        break
      fi
    done
    if [[ -n $covered ]]; then
      used_here[$covered]=1
      expected=$((expected + 1))
      [[ ${kinds[$d]} == stdout* ]] && out_expected=1
      reason=${exp_reason[$covered]}
      [[ " ${reasons[*]} " == *" $reason "* ]] || reasons+=("$reason")
    else
      details+=("unexpected ${kinds[$d]} ${names[$d]}")
    fi
  done
  for e in ${run_entries[$i]}; do
    if [[ -z ${used_here[$e]+set} && ${exp_capture[$e]} != "*" ]]; then
      details+=("listed but did not occur (tsv line ${exp_line[$e]}): ${exp_kind[$e]} ${exp_name[$e]}")
    fi
  done

  local summary="$files files, $identical identical"
  if ((console)); then
    if ((out_same)); then summary="stdout identical, $summary"; else summary="stdout differs, $summary"; fi
  fi
  if ((expected > 0 || ${#reasons[@]} > 0)); then
    summary+=", $expected expected differences (${reasons[*]})"
  fi
  ((${#details[@]} == 0)) && passed=1
  echo "counts $files $identical $expected $out_same $out_expected $passed"
  echo "used ${!used_here[*]}"
  if ((passed)); then
    echo "ok $title: $summary"
    # Passed: the bulky output goes (1.6.1's files are only kept for the plain runs). Forks are
    # slow, so files are emptied here and the folders removed at the end, all in one go.
    if [[ ${COMPAT_KEEP:-0} != 1 ]]; then
      local f
      for f in "$dir"/ours/** "$dir/ours.out"; do
        [[ -f $f ]] && : >"$f"
      done
      if [[ -e $ref_base/ref.out ]] && ((out_same)); then
        : >"$ref_base/ref.out"
        echo "drop $ref_base/ref.out"
      fi
      if [[ -n $variant && -e $ref_base/ref ]] && ((${#ref_sums[@]} > 0)); then
        for f in "$ref_base"/ref/**; do
          [[ -f $f ]] && : >"$f"
        done
        echo "drop $ref_base/ref"
      fi
    fi
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
  fi
}

# Every run's folder (and that of each uncached reference run) is made by one mkdir.
mkdir_list=()
for i in "${!run_label[@]}"; do
  side_dir=""
  ((run_console[i])) && side_dir=/ours
  mkdir_list+=("$work/runs/$i$side_dir")
  ((run_console[i])) && side_dir=/ref
  [[ -f ${run_ref_base[$i]}/ref.rc ]] || mkdir_list+=("${run_ref_base[$i]}$side_dir")
  [[ -z ${run_orig_base[$i]} ]] || mkdir_list+=("${run_orig_base[$i]}$side_dir")
done
if ((${#mkdir_list[@]} > 0)) && ! mkdir -p -- "${mkdir_list[@]}"; then
  echo "ERROR: cannot create the run folders in $work"
  exit 99
fi
unset mkdir_list

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

# ---------------------------------------------------------------- the results
declare -A entry_used=()  # expected entry index -> number of runs in which it covered something
total_files=0
corpus_files=0
generated_files=0
total_identical=0
total_expected=0
console_outputs=0
console_identical=0
console_expected=0
# Per group of arguments ("-" for the plain runs): runs, files, identical files, console outputs,
# identical console outputs, expected differences, failed runs.
passed_dirs=()
drop_list=()  # 1.6.1's outputs that are not kept in the cache
group_order=()
declare -A group_runs=() group_files=() group_identical=() group_outputs=() group_same_out=() \
  group_expected=() group_failed=()
for i in "${!run_label[@]}"; do
  result=()
  [[ -f $work/runs/$i/result ]] && mapfile -t result <"$work/runs/$i/result"
  if ((${#result[@]} < 3)) || [[ ${result[0]} != counts* ]]; then
    echo "FAIL ${run_label[$i]} [${run_args[$i]}]: the run left no result (see $work/runs/$i)"
    failed=$((failed + 1))
    continue
  fi
  read -r _ files identical expected out_same out_expected ok <<<"${result[0]}"
  for e in ${result[1]#used}; do
    entry_used[$e]=$((${entry_used[$e]:-0} + 1))
  done
  for line in "${result[@]:2}"; do
    if [[ $line == "drop "* ]]; then
      drop_list+=("${line#drop }")
    else
      printf '%s\n' "$line"
    fi
  done
  group=${run_args[$i]:--}  # (an associative array has no "" key)
  if [[ -z ${group_runs[$group]+set} ]]; then
    group_order+=("$group")
    group_runs[$group]=0 group_files[$group]=0 group_identical[$group]=0 group_outputs[$group]=0
    group_same_out[$group]=0 group_expected[$group]=0 group_failed[$group]=0
  fi
  group_runs[$group]=$((group_runs[$group] + 1))
  group_files[$group]=$((group_files[$group] + files))
  group_identical[$group]=$((group_identical[$group] + identical))
  group_expected[$group]=$((group_expected[$group] + expected))
  total_files=$((total_files + files))
  total_identical=$((total_identical + identical))
  total_expected=$((total_expected + expected))
  if [[ ${run_source[$i]} == corpus ]]; then
    corpus_files=$((corpus_files + files))
  else
    generated_files=$((generated_files + files))
  fi
  if ((run_console[i])); then
    console_outputs=$((console_outputs + 1))
    console_identical=$((console_identical + out_same))
    console_expected=$((console_expected + out_expected))
    group_outputs[$group]=$((group_outputs[$group] + 1))
    group_same_out[$group]=$((group_same_out[$group] + out_same))
  fi
  if ((ok)); then
    passed=$((passed + 1))
    passed_dirs+=("$work/runs/$i")
  else
    failed=$((failed + 1))
    group_failed[$group]=$((group_failed[$group] + 1))
  fi
done

# Entries for runs that do not exist (a typo or a stale line) can only be told apart from entries
# for a missing source when every source ran. An entry for every capture (capture *) must cover
# a difference in at least one of its runs.
if ((corpus_ran && generated_ran)); then
  stale=0
  for e in "${!exp_capture[@]}"; do
    # (A reduced run leaves out the variants of most corpus captures.)
    [[ $scope == reduced && -n ${exp_args[$e]} && -z ${reduced_corpus[${exp_capture[$e]}]+set} ]] &&
      continue
    if [[ -z ${entry_runs[$e]+set} ]]; then
      echo "FAIL expected_differences.tsv:${exp_line[$e]}: no run '${exp_capture[$e]}'" \
        "with args '${exp_args[$e]:--}'"
      stale=1
    elif [[ ${exp_capture[$e]} == "*" && -z ${entry_used[$e]+set} ]]; then
      echo "FAIL expected_differences.tsv:${exp_line[$e]}: '${exp_kind[$e]} ${exp_name[$e]}'" \
        "did not occur in any run"
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
[[ ${COMPAT_KEEP:-0} == 1 ]] || drop_list+=("${passed_dirs[@]}")
((${#drop_list[@]} == 0)) || rm -rf -- "${drop_list[@]}"
for g in "${group_order[@]}"; do
  line="compat group [$g]: ${group_runs[$g]} runs"
  ((group_outputs[$g] > 0)) && line+=", ${group_same_out[$g]} of ${group_outputs[$g]} outputs identical"
  ((group_files[$g] > 0 || group_outputs[$g] == 0)) &&
    line+=", ${group_identical[$g]} of ${group_files[$g]} files identical"
  line+=", ${group_expected[$g]} expected differences, ${group_failed[$g]} failed"
  echo "$line"
done
echo "compat: compared $total_files flow files" \
  "(corpus $corpus_files, generated $generated_files)," \
  "$total_identical byte-identical, $total_expected expected differences;" \
  "$console_outputs console outputs, $console_identical identical," \
  "$console_expected expected differences"
echo "$passed passed, $failed failed"
((failed == 0))
