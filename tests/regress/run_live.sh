#!/usr/bin/env bash
# run_live.sh: live capture on the loopback interface, for real: tcpflow -i lo records a local
# TCP exchange (about 100 KB from the client in many segments, 30 KB back, binary bytes
# included), stops cleanly on SIGINT, and its flow files hold exactly the bytes sent each way;
# then the same with -p. Runs as root only, and only when a packet socket can be opened on lo;
# otherwise it is skipped (exit 77). Only 127.0.0.1 is used and every wait is bounded.
set -u
builddir=$(cd "${top_builddir:-.}" && pwd)
tcpflow=$builddir/src/tcpflow
work=$builddir/tests/regress/live

skip() {
  echo "SKIP: $1"
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "live capture needs root"
command -v python3 >/dev/null 2>&1 || skip "python3 is needed for the local server and client"
# Can a packet socket be opened on lo at all? (Independent of tcpflow: if this works and
# tcpflow cannot open lo, that is a failure, not a skip.)
python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("lo", 0))
s.close()' 2>/dev/null || skip "cannot open a packet socket on lo"
[ -x "$tcpflow" ] || { echo "FAIL setup: no $tcpflow"; echo "0 passed, 1 failed"; exit 1; }

rm -rf "$work" && mkdir -p "$work"
passed=0
failed=0
ok() {
  echo "ok $1"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL $1: $2"
  failed=$((failed + 1))
}
check() {  # name status(0 = good) why
  if [ "$2" -eq 0 ]; then ok "$1"; else fail "$1" "$3"; fi
}

# Background processes this script started and has not reaped yet: killed (by pid) if the
# script ends early.
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT
reap() {  # pid: waits for it; $? is its exit status
  local p rest=()
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || rest+=("$p"); done
  pids=("${rest[@]}")
  wait "$1"
}

# Server: listens on 127.0.0.1 (a free port chosen by the kernel), writes the port to $1/port,
# accepts one connection, reads until the client's FIN, saves the bytes to $1/server_got, sends
# $1/server_sent and closes.
server_py='
import socket, sys, os
d = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(1)
s.settimeout(20)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
c, _ = s.accept()
c.settimeout(20)
got = bytearray()
while True:
    b = c.recv(65536)
    if not b:
        break
    got += b
with open(os.path.join(d, "server_got"), "wb") as f:
    f.write(got)
with open(os.path.join(d, "server_sent"), "rb") as f:
    c.sendall(f.read())
c.close()
s.close()
'
# Client: connects to 127.0.0.1:$2, prints its own port, sends $1/client_sent in many pieces,
# half-closes, reads the whole answer into $1/client_got.
client_py='
import socket, sys, os
d, port = sys.argv[1], int(sys.argv[2])
c = socket.create_connection(("127.0.0.1", port), timeout=20)
print(c.getsockname()[1], flush=True)
with open(os.path.join(d, "client_sent"), "rb") as f:
    data = f.read()
for i in range(0, len(data), 1000):
    c.sendall(data[i:i + 1000])
c.shutdown(socket.SHUT_WR)
got = bytearray()
while True:
    b = c.recv(65536)
    if not b:
        break
    got += b
with open(os.path.join(d, "client_got"), "wb") as f:
    f.write(got)
c.close()
'
# The bytes each side sends: text, every byte value, ~100 KB from the client.
make_data_py='
import sys, os
d = sys.argv[1]
with open(os.path.join(d, "client_sent"), "wb") as f:
    f.write(b"HELLO from the client\r\n\x00\x01\x02\xff\xfe" + bytes(range(256)) * 400 + b"\nend\n")
with open(os.path.join(d, "server_sent"), "wb") as f:
    f.write(b"response\r\n" + bytes((i * 7 + 3) % 256 for i in range(30000)) + b"\x00\xff")
'

# Waits up to $2 tenths of a second for process $1 to end; 0 if it did.
wait_gone() {
  local i
  for ((i = 0; i < $2; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# One run: capture with tcpflow (extra options in $2...) while the client talks to the server.
# Leaves the results in $dir; sets tc_rc (tcpflow's exit status, or "hung"), client_port, port.
run_case() {
  local name=$1
  shift
  dir=$work/$name
  mkdir -p "$dir/out"
  tc_rc=none
  client_port=
  port=
  python3 -c "$make_data_py" "$dir"
  timeout 30 python3 -c "$server_py" "$dir" 2>"$dir/server.err" &
  local server_pid=$!
  pids+=("$server_pid")
  local i
  for ((i = 0; i < 50; i++)); do
    [ -s "$dir/port" ] && break
    sleep 0.1
  done
  port=$(cat "$dir/port" 2>/dev/null)
  if [ -z "$port" ]; then
    fail "$name server" "the local server did not start: $(head -c 300 "$dir/server.err")"
    kill -9 "$server_pid" 2>/dev/null
    reap "$server_pid"
    return 1
  fi
  "$tcpflow" -i lo -o "$dir/out" -S packet-buffer-timeout=10 "$@" "tcp port $port" \
    >"$dir/stdout" 2>"$dir/stderr" &
  local tc_pid=$!
  pids+=("$tc_pid")
  local listening=1
  for ((i = 0; i < 50; i++)); do
    if grep -q "tcpflow: listening on lo" "$dir/stderr"; then
      listening=0
      break
    fi
    kill -0 "$tc_pid" 2>/dev/null || break
    sleep 0.1
  done
  check "$name tcpflow listens on lo" $listening "$(head -c 300 "$dir/stderr")"
  if [ $listening -ne 0 ]; then
    kill -9 "$tc_pid" "$server_pid" 2>/dev/null
    reap "$tc_pid"
    reap "$server_pid"
    return 1
  fi
  timeout 30 python3 -c "$client_py" "$dir" "$port" >"$dir/client.out" 2>"$dir/client.err"
  local client_rc=$?
  reap "$server_pid"
  local server_rc=$?
  client_port=$(head -n 1 "$dir/client.out")
  cmp -s "$dir/client_sent" "$dir/server_got" && cmp -s "$dir/server_sent" "$dir/client_got"
  local exchanged=$?
  check "$name exchange" $((client_rc != 0 || server_rc != 0 || exchanged != 0)) \
    "client $client_rc, server $server_rc, bytes equal: $exchanged; $(head -c 300 "$dir/client.err" "$dir/server.err")"
  sleep 0.5
  kill -s INT "$tc_pid" 2>/dev/null
  if wait_gone "$tc_pid" 100; then
    reap "$tc_pid"
    tc_rc=$?
    ok "$name stops on SIGINT"
  else
    tc_rc=hung
    kill -9 "$tc_pid" 2>/dev/null
    reap "$tc_pid" 2>/dev/null
    fail "$name stops on SIGINT" "still running 10 s after SIGINT (killed); stderr: $(head -c 300 "$dir/stderr")"
  fi
  check "$name exit status" "$([ "$tc_rc" = 0 ]; echo $?)" "exit $tc_rc: $(head -c 300 "$dir/stderr")"
  return 0
}

# Checks that exactly the two flow files of the exchange are in $dir/out; sets c2s and s2c.
check_flow_names() {
  local name=$1
  local lo=127.000.000.001
  c2s=$dir/out/$lo.$(printf '%05d' "$client_port")-$lo.$(printf '%05d' "$port")
  s2c=$dir/out/$lo.$(printf '%05d' "$port")-$lo.$(printf '%05d' "$client_port")
  local files
  files=$(cd "$dir/out" && find . -type f ! -name report.xml | sed 's|^\./||' | sort | tr '\n' ' ')
  local expected
  expected=$(printf '%s\n%s\n' "$(basename "$c2s")" "$(basename "$s2c")" | sort | tr '\n' ' ')
  check "$name flow file names" "$([ -n "$client_port" ] && [ "$files" = "$expected" ]; echo $?)" \
    "found '$files', expected '$expected'"
}

# ---------------------------------------------------------------- default (promiscuous) capture
if run_case default; then
  check_flow_names default
  cmp -s "$c2s" "$dir/client_sent"
  check "default client-to-server bytes" $? \
    "$(cmp "$c2s" "$dir/client_sent" 2>&1 | head -c 200) ($(stat -c %s "$c2s" 2>/dev/null || echo no) of $(stat -c %s "$dir/client_sent") bytes)"
  cmp -s "$s2c" "$dir/server_sent"
  check "default server-to-client bytes" $? \
    "$(cmp "$s2c" "$dir/server_sent" 2>&1 | head -c 200) ($(stat -c %s "$s2c" 2>/dev/null || echo no) of $(stat -c %s "$dir/server_sent") bytes)"
  report=$dir/out/report.xml
  python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$report" 2>/dev/null
  check "default report well-formed" $? "$(tail -c 300 "$report" 2>/dev/null)"
  python3 -c '
import sys, xml.dom.minidom as m
t = m.parse(sys.argv[1]).getElementsByTagName("termination")
sys.exit(0 if t and "signal" in "".join(n.data for n in t[0].childNodes if n.nodeType == n.TEXT_NODE) else 1)' \
    "$report" 2>/dev/null
  check "default report says the signal ended the run" $? \
    "no <termination> naming the signal: $(grep -o '<termination>[^<]*' "$report" 2>/dev/null)"
fi

# ---------------------------------------------------------------- -p (not promiscuous)
if run_case nopromisc -p; then
  check_flow_names nopromisc
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
