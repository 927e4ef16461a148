#!/bin/bash
# linux.seccomp: errno actions, default action with an allow list, argument
# filters, kill actions, unknown names and actions.
. "$(dirname "$0")/lib.sh"

# seccomp DIR JSON: set linux.seccomp.
seccomp() { cfg "$1" ".linux.seccomp = $2"; }

ARCHES='["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]'

# Every syscall name this machine's headers know, minus the given ones, as a
# JSON array: an allow list that lets any runtime reach execve, so the test
# only sees the default action on the names left out.
all_syscalls_but() {
  local hdr=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
  [ -r "$hdr" ] || hdr=/usr/include/asm/unistd_64.h
  local skip
  skip=$(printf '%s\n' "$@")
  awk '/^#define __NR_/ {sub("__NR_", "", $2); print $2}' "$hdr" | grep -vxF "$skip" | jq -R . | jq -sc .
}

t_errno_ret() {
  make_bundle "$B" /bin/tinit getcwd-errno -- syscall-errno uname -- caps || return
  seccomp "$B" "{defaultAction: \"SCMP_ACT_ALLOW\", architectures: $ARCHES,
                 syscalls: [{names: [\"getcwd\"], action: \"SCMP_ACT_ERRNO\", errnoRet: 42}]}" || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_eq "getcwd fails with errnoRet 42" "$(grep -m1 '^errno=' <<<"$OUT")" errno=42
  assert_eq "uname is allowed" "$(grep '^errno=' <<<"$OUT" | sed -n 2p)" errno=0
  assert_kv "seccomp filter mode" Seccomp 2
}

t_errno_default_eperm() {
  make_bundle "$B" /bin/tinit syscall-errno getcwd || return
  seccomp "$B" "{defaultAction: \"SCMP_ACT_ALLOW\", syscalls: [{names: [\"getcwd\"], action: \"SCMP_ACT_ERRNO\"}]}" || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_kv "SCMP_ACT_ERRNO without errnoRet is EPERM" errno 1
}

t_default_errno_allowlist() {
  local allow
  allow=$(all_syscalls_but uname mkdir chmod)
  [ "$(jq length <<<"$allow")" -gt 100 ] || { bail "syscall list" "no syscall names in the kernel headers"; return; }
  make_bundle "$B" /bin/tinit syscall-errno getpid -- syscall-errno uname -- syscall-errno mkdir -- syscall-errno chmod || return
  seccomp "$B" "{defaultAction: \"SCMP_ACT_ERRNO\", defaultErrnoRet: 95, architectures: $ARCHES,
                 syscalls: [{names: $allow, action: \"SCMP_ACT_ALLOW\"}]}" || return
  tong run --bundle "$B" "$ID"
  assert_ok "run with a default errno action" || return
  local e
  e=$(grep '^errno=' <<<"$OUT" | cut -d= -f2 | tr '\n' ' ')
  assert_eq "getpid allowed; uname, mkdir, chmod get defaultErrnoRet 95" "$e" "0 95 95 95 "
}

t_args_filter() {
  make_bundle "$B" /bin/tinit syscall-errno mkdir -- syscall-errno chmod || return
  # tinit's mkdir uses mode 0700 (448): only that call matches.
  seccomp "$B" '{defaultAction: "SCMP_ACT_ALLOW",
                 syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 43, args: [{index: 1, value: 448, op: "SCMP_CMP_EQ"}]},
                            {names: ["chmod"], action: "SCMP_ACT_ERRNO", errnoRet: 44, args: [{index: 1, value: 1, op: "SCMP_CMP_EQ"}]}]}' || return
  cfg "$B" '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"}]' || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  local e
  e=$(grep '^errno=' <<<"$OUT" | cut -d= -f2 | tr '\n' ' ')
  assert_eq "mkdir mode 0700 matched, chmod's mode did not" "$e" "43 0 "
}

t_kill_action() {
  make_bundle "$B" /bin/tinit echo before -- syscall-errno uname -- echo after || return
  seccomp "$B" '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["uname"], action: "SCMP_ACT_KILL_PROCESS"}]}' || return
  tong run --bundle "$B" "$ID"
  assert_exit "killed by SIGSYS: 128+31" 159
  assert_contains "ran up to the call" "$OUT" before
  assert_not_contains "not past it" "$OUT" after
}

t_unknown_syscall() {
  make_bundle "$B" /bin/tinit getcwd-errno || return
  seccomp "$B" '{defaultAction: "SCMP_ACT_ALLOW",
                 syscalls: [{names: ["tong_no_such_syscall", "getcwd"], action: "SCMP_ACT_ERRNO", errnoRet: 42}]}' || return
  tong run --bundle "$B" "$ID"
  assert_ok "an unknown syscall name is not an error" || return
  assert_kv "the known name is still filtered" errno 42
}

t_unknown_action() {
  make_bundle "$B" /bin/tinit true || return
  seccomp "$B" '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["getcwd"], action: "SCMP_ACT_NO_SUCH_ACTION"}]}' || return
  tong create --bundle "$B" "$ID"
  assert_exit "an unknown action fails create" 1 || [ "$RC" != 0 ] || return
  assert_contains "the error names the action" "$ERR" SCMP_ACT_NO_SUCH_ACTION
  assert_clean "nothing left"
  seccomp "$B" '{defaultAction: "SCMP_ACT_BOGUS"}' || return
  tong create --bundle "$B" "$ID"
  assert_exit "an unknown defaultAction fails create" 1
  assert_clean "nothing left after the bad default"
}

t_errno_on_kill_action() {
  make_bundle "$B" /bin/tinit true || return
  seccomp "$B" '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["getcwd"], action: "SCMP_ACT_KILL", errnoRet: 5}]}' || return
  tong create --bundle "$B" "$ID"
  assert_exit "errnoRet on an action without an errno fails" 1 || [ "$RC" != 0 ] || return
  assert_clean "nothing left"
}

t_unknown_arch() {
  make_bundle "$B" /bin/tinit true || return
  seccomp "$B" '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_NOPE"]}' || return
  tong create --bundle "$B" "$ID"
  assert_exit "an unknown architecture fails create" 1 || [ "$RC" != 0 ] || return
  assert_clean "nothing left"
}

run_test "errnoRet" t_errno_ret
run_test "errno default EPERM" t_errno_default_eperm
run_test "default errno with allow list" t_default_errno_allowlist
run_test "argument filter" t_args_filter
run_test "kill action" t_kill_action
run_test "unknown syscall" t_unknown_syscall
run_test "unknown action" t_unknown_action
run_test "errnoRet on kill" t_errno_on_kill_action
run_test "unknown architecture" t_unknown_arch
