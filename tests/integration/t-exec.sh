#!/bin/bash
# exec: a new process in a running container.
. "$(dirname "$0")/lib.sh"

# start_container: run -d `tinit sleep 100` as $ID, with FROMCONFIG=1 in
# its env and cwd /home; sets CPID.
start_container() {
  make_bundle "$B" /bin/tinit sleep 100 || return 1
  cfg "$B" '.process.env += ["FROMCONFIG=1"] | .process.cwd = "/home"' || return 1
  tong run -d --bundle "$B" "$ID"
  assert_ok "run -d" || return 1
  wait_status running || { bail "running" "status $(state_of)"; return 1; }
  CPID=$(pid_of)
}

t_exit_code() {
  start_container || return
  tong exec "$ID" /bin/tinit echo in-exec -- exit 7
  assert_exit "exec returns the process exit code" 7
  assert_contains "exec's stdout is the process's" "$OUT" in-exec
  tong exec "$ID" /bin/tinit true
  assert_ok "exit 0"
  assert_eq "the container is still running" "$(state_of)" running
}

t_same_namespaces() {
  start_container || return
  tong exec "$ID" /bin/tinit ns
  assert_ok "exec" || return
  local t
  for t in pid mnt uts ipc net cgroup user; do
    assert_kv "same $t namespace as the container" "$t" "$(stat -L -c %i "/proc/$CPID/ns/$t")"
  done
  tong exec "$ID" /bin/tinit pid
  assert_match "not pid 1" "$(kv pid)" '^([2-9]|[1-9][0-9]+)$'
}

t_env() {
  start_container || return
  tong exec --env FOO=bar --env "SPACED=a b" "$ID" /bin/tinit env
  assert_ok "exec --env" || return
  assert_kv "--env FOO" FOO bar
  assert_kv "--env with a space" SPACED "a b"
  assert_kv "the config's env is kept" FROMCONFIG 1
}

t_cwd() {
  start_container || return
  tong exec "$ID" /bin/tinit cwd
  assert_ok "exec" || return
  assert_kv "the config's cwd by default" cwd /home
  tong exec --cwd /tmp "$ID" /bin/tinit cwd
  assert_ok "exec --cwd" || return
  assert_kv "--cwd" cwd /tmp
}

t_user() {
  start_container || return
  tong exec --user 1000:1000 "$ID" /bin/tinit ids -- env
  assert_ok "exec --user 1000:1000" || return
  assert_kv "uid" uid 1000
  assert_kv "gid" gid 1000
  assert_kv "HOME of uid 1000" HOME /home/user
}

cap_bit() { # HEX BIT: 1 when BIT is set in HEX
  echo $(((0x$1 >> $2) & 1))
}

t_cap() {
  start_container || return
  tong exec "$ID" /bin/tinit caps
  assert_ok "exec" || return
  assert_eq "no CAP_SYS_ADMIN by default" "$(cap_bit "$(kv CapEff)" 21)" 0
  tong exec --cap CAP_SYS_ADMIN "$ID" /bin/tinit caps
  assert_ok "exec --cap CAP_SYS_ADMIN" || return
  assert_eq "CAP_SYS_ADMIN effective" "$(cap_bit "$(kv CapEff)" 21)" 1
  assert_eq "CAP_SYS_ADMIN bounding" "$(cap_bit "$(kv CapBnd)" 21)" 1
  assert_eq "the config's CAP_KILL kept" "$(cap_bit "$(kv CapEff)" 5)" 1
}

t_process_file() {
  start_container || return
  jq -n '{terminal: false, user: {uid: 1000, gid: 1000}, args: ["/bin/tinit", "ids", "--", "cwd", "--", "env", "--", "exit", "5"],
          env: ["PATH=/bin", "FROMPROCESS=yes"], cwd: "/tmp"}' >"$T/process.json"
  tong exec --process "$T/process.json" "$ID"
  assert_exit "exec --process runs it and returns its code" 5
  assert_kv "its user" uid 1000
  assert_kv "its cwd" cwd /tmp
  assert_kv "its env" FROMPROCESS yes
  assert_not_contains "not the config's env" "$OUT" FROMCONFIG
}

t_detach() {
  start_container || return
  tong exec -d --pid-file "$T/epid" "$ID" /bin/tinit sleep 100
  assert_ok "exec -d returns" || return
  local epid
  epid=$(cat "$T/epid" 2>/dev/null)
  assert_match "the pid file holds a pid" "$epid" '^[1-9][0-9]*$' || return
  assert_true "that process is alive" kill -0 "$epid"
  assert_ne "it is not the init" "$epid" "$CPID"
  assert_eq "it is in the container's pid namespace" "$(stat -L -c %i "/proc/$epid/ns/pid" 2>/dev/null)" "$(stat -L -c %i "/proc/$CPID/ns/pid")"
  assert_contains "it runs tinit sleep" "$(tr '\0' ' ' <"/proc/$epid/cmdline" 2>/dev/null)" "tinit sleep 100"
}

t_exec_stopped() {
  make_bundle "$B" /bin/tinit true || return
  tong create --bundle "$B" "$ID"
  assert_ok "create" || return
  tong start "$ID"
  assert_ok "start" || return
  wait_status stopped || { bail "stopped" "status $(state_of)"; return; }
  tong exec "$ID" /bin/tinit true
  assert_fails "exec into a stopped container fails"
  tong exec "nosuch-$ID" /bin/tinit true
  assert_fails "exec into an unknown container fails"
}

t_exec_missing() {
  start_container || return
  tong exec "$ID" /bin/no-such-program
  assert_fails "exec of a missing program fails"
  assert_contains "the error names it" "$ERR" /bin/no-such-program
  assert_eq "the container is still running" "$(state_of)" running
}

# config.md: execCPUAffinity applies to exec'd processes, not the init.
t_exec_cpu_affinity() {
  if [ "$(nproc)" -lt 2 ]; then
    echo "skip $AREA: $TEST_NAME: needs 2 CPUs"
    return
  fi
  local last=$(($(nproc) - 1))
  make_bundle "$B" /bin/tinit sleep 100 || return
  cfg "$B" ".process.execCPUAffinity = {initial: \"0\", final: \"$last\"}" || return
  tong run -d --bundle "$B" "$ID"
  assert_ok "run -d" || return
  wait_status running || { bail "running" "status $(state_of)"; return; }
  tong exec "$ID" /bin/tinit affinity
  assert_ok "exec" || return
  assert_kv "the exec'd process runs on the final CPUs" cpus "$last"
  local pid
  pid=$(pid_of)
  assert_ne "the init is not pinned" "$(awk '/^Cpus_allowed_list/ {print $2}' "/proc/$pid/status")" "$last"
}

run_test "exit code" t_exit_code
run_test "same namespaces" t_same_namespaces
run_test "--env" t_env
run_test "--cwd" t_cwd
run_test "--user" t_user
run_test "--cap" t_cap
run_test "--process" t_process_file
run_test "--detach" t_detach
run_test "stopped container" t_exec_stopped
run_test "missing program" t_exec_missing
run_test "execCPUAffinity" t_exec_cpu_affinity
