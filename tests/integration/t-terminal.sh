#!/bin/bash
# process.terminal with --console-socket: the pty master goes over the
# socket; the process has the slave as stdio and /dev/console.
. "$(dirname "$0")/lib.sh"

# recvtty: the one make built, else compile it for this file.
if [ -z "${RECVTTY:-}" ]; then
  if [ -x "$TOP/tests/integration/recvtty" ] && [ ! "$TOP/tests/integration/recvtty.c" -nt "$TOP/tests/integration/recvtty" ]; then
    RECVTTY=$TOP/tests/integration/recvtty
  else
    RECVTTY=$SUITE_TMP/recvtty
    if ! cc -O2 -o "$RECVTTY" "$TOP/tests/integration/recvtty.c" 2>"$SUITE_TMP/recvtty.log"; then
      echo "not ok $AREA: compile recvtty.c: $(head -c 300 "$SUITE_TMP/recvtty.log")"
      exit 1
    fi
  fi
fi

# start_recvtty [INPUT]: listen on $T/console.sock, output to $T/tty.out;
# sets RECV_PID.  0 when the socket is ready.
start_recvtty() {
  "$RECVTTY" "$T/console.sock" "$T/tty.out" "$@" 2>"$T/recvtty.err" </dev/null &
  RECV_PID=$!
  defer "kill -9 $RECV_PID; wait $RECV_PID"
  local i
  for ((i = 0; i < 100; i++)); do
    [ -S "$T/console.sock" ] && return 0
    sleep 0.05
  done
  return 1
}

# wait_recvtty: wait for the pty to close (recvtty gives up after 60 s);
# sets TTY to the output without carriage returns.
wait_recvtty() {
  wait "$RECV_PID"
  local rc=$?
  TTY=$(tr -d '\r' <"$T/tty.out")
  return $rc
}

t_console_socket() {
  make_bundle "$B" /bin/tinit tty -- stat /dev/console || return
  cfg "$B" '.process.terminal = true | .process.consoleSize = {height: 33, width: 111}' || return
  start_recvtty || { bail "recvtty listening" "$(cat "$T/recvtty.err")"; return; }
  tong create --bundle "$B" --console-socket "$T/console.sock" "$ID"
  assert_ok "create with --console-socket" || return
  tong start "$ID"
  assert_ok "start" || return
  wait_recvtty
  assert_eq "the pty master was received" "$?" 0
  assert_kv "stdin is a tty" isatty0 1 "$TTY"
  assert_kv "stdout is a tty" isatty1 1 "$TTY"
  assert_kv "stderr is a tty" isatty2 1 "$TTY"
  assert_match "ttyname of stdin" "$(kv ttyname0 "$TTY")" '^/dev/(pts/[0-9]+|console)$'
  assert_kv "consoleSize rows" rows 33 "$TTY"
  assert_kv "consoleSize cols" cols 111 "$TTY"
  assert_kv "/dev/console is a character device" type chr "$TTY"
  assert_match "/dev/console is the pty (major 136-143)" "$(kv rdev "$TTY")" '^13[6-9]:|^14[0-3]:'
}

t_tty_input() {
  make_bundle "$B" /bin/head -n 1 || return
  cfg "$B" '.process.terminal = true' || return
  start_recvtty "typed-into-the-tty
" || { bail "recvtty listening" "$(cat "$T/recvtty.err")"; return; }
  tong create --bundle "$B" --console-socket "$T/console.sock" "$ID"
  assert_ok "create" || return
  tong start "$ID"
  assert_ok "start" || return
  wait_recvtty
  assert_eq "the line was read and written back" \
    "$(grep -c '^typed-into-the-tty$' <<<"$TTY")" 2
  assert_status "the process exited" stopped
}

t_terminal_without_socket() {
  make_bundle "$B" /bin/tinit tty || return
  cfg "$B" '.process.terminal = true' || return
  tong create --bundle "$B" "$ID"
  assert_fails "create with terminal and no --console-socket fails"
  assert_clean "nothing left"
}

t_socket_without_terminal() {
  make_bundle "$B" /bin/tinit tty || return
  start_recvtty || { bail "recvtty listening" "$(cat "$T/recvtty.err")"; return; }
  tong create --bundle "$B" --console-socket "$T/console.sock" "$ID"
  assert_fails "--console-socket without process.terminal fails"
  assert_clean "nothing left"
}

t_no_terminal_stdio() {
  make_bundle "$B" /bin/tinit tty || return
  tong run --bundle "$B" "$ID"
  assert_ok "run without a terminal" || return
  assert_kv "stdout is not a tty" isatty1 0
  assert_kv "stdin is not a tty" isatty0 0
}

run_test "console socket" t_console_socket
run_test "tty input" t_tty_input
run_test "terminal without socket" t_terminal_without_socket
run_test "socket without terminal" t_socket_without_terminal
run_test "no terminal" t_no_terminal_stdio
