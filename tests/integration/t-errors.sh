#!/bin/bash
# Bad bundles: each create fails with exit 1, says what is wrong on stderr
# (the JSON path or the file), and leaves no state dir, mount, cgroup or
# process behind.
. "$(dirname "$0")/lib.sh"

# bad_create NAME NEEDLE: create must fail naming NEEDLE, and leave nothing.
bad_create() {
  tong create --bundle "$B" "$ID"
  # A create that succeeded is one failure, not four.
  assert_exit "$1: create exits 1" 1 || [ "$RC" != 0 ] || return
  assert_contains "$1: the error names $2" "$ERR" "$2"
  assert_clean "$1: nothing left"
  tong state "$ID"
  assert_fails "$1: no container"
}

t_invalid_json() {
  make_bundle "$B" || return
  printf '{"ociVersion": "1.0.2", "process": {' >"$B/config.json"
  bad_create "truncated JSON" config.json
}

t_wrong_type() {
  make_bundle "$B" || return
  cfg "$B" '.process.args = "/bin/tinit true"' || return
  bad_create "args is a string" process.args
}

t_wrong_type_nested() {
  make_bundle "$B" || return
  cfg "$B" '.process.user.uid = "zero"' || return
  bad_create "uid is a string" process.user.uid
}

t_missing_bundle() {
  B=$T/no-such-bundle
  bad_create "missing bundle" "$T/no-such-bundle"
}

t_missing_config() {
  make_bundle "$B" || return
  rm -f "$B/config.json"
  bad_create "missing config.json" config.json
}

t_missing_rootfs() {
  make_bundle "$B" || return
  rm -rf "$B/rootfs"
  bad_create "missing rootfs" rootfs
}

t_duplicate_rlimit() {
  make_bundle "$B" || return
  # Either entry alone would apply: only the duplicate is wrong.
  cfg "$B" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200}, {type: "RLIMIT_NOFILE", soft: 50, hard: 100}]' || return
  bad_create "duplicate rlimit" RLIMIT_NOFILE
}

t_unknown_rlimit() {
  make_bundle "$B" || return
  cfg "$B" '.process.rlimits = [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]' || return
  bad_create "unknown rlimit" RLIMIT_BOGUS
}

t_unknown_namespace() {
  make_bundle "$B" || return
  cfg "$B" '.linux.namespaces += [{type: "bogusns"}]' || return
  bad_create "unknown namespace type" bogusns
}

t_relative_cwd() {
  make_bundle "$B" || return
  cfg "$B" '.process.cwd = "relative/dir"' || return
  bad_create "relative process.cwd" process.cwd
}

t_empty_args() {
  make_bundle "$B" || return
  cfg "$B" '.process.args = []' || return
  bad_create "empty process.args" process.args
}

t_no_root() {
  make_bundle "$B" || return
  cfg "$B" 'del(.root)' || return
  bad_create "no root" root
}

t_mount_without_destination() {
  make_bundle "$B" || return
  cfg "$B" '.mounts += [{type: "tmpfs", source: "tmpfs"}]' || return
  bad_create "mount without destination" destination
}

t_bad_mount_source() {
  make_bundle "$B" || return
  cfg "$B" ".mounts += [{destination: \"/data\", type: \"bind\", source: $(jstr "$T/no-such-source"), options: [\"bind\"]}]" || return
  bad_create "missing bind source" "$T/no-such-source"
}

t_bad_device() {
  make_bundle "$B" || return
  cfg "$B" '.linux.devices = [{path: "/dev/tongbad", type: "x", major: 1, minor: 3}]' || return
  tong create --bundle "$B" "$ID"
  assert_exit "an unknown device type: create exits 1" 1
  assert_clean "an unknown device type: nothing left"
}

# --systemd-cgroup where systemd is not PID 1 (this host): the clear error,
# naming the cgroup systemd would have made; a bad path before that.
t_systemd_not_pid1() {
  if [ "$(cat /proc/1/comm)" = systemd ]; then
    _pass "systemd is PID 1 here: tests/integration/t-vm-systemd.sh covers the driver"
    return
  fi
  make_bundle "$B" || return
  cfg "$B" '.linux.cgroupsPath = "tong-a.slice:tong:x1"' || return
  tong --systemd-cgroup create --bundle "$B" "$ID"
  assert_exit "create exits 1" 1 || return
  assert_contains "the error says why" "$ERR" "systemd is not PID 1"
  assert_contains "the error names the cgroup" "$ERR" "/tong.slice/tong-a.slice/tong-x1.scope"
  assert_clean "nothing left"
  cfg "$B" '.linux.cgroupsPath = "/abs/path"' || return
  tong --systemd-cgroup create --bundle "$B" "$ID"
  assert_contains "a cgroupfs path is refused" "$ERR" "slice:prefix:name"
  assert_clean "nothing left after the bad path"
}

run_test "invalid JSON" t_invalid_json
run_test "wrong type" t_wrong_type
run_test "wrong nested type" t_wrong_type_nested
run_test "missing bundle" t_missing_bundle
run_test "missing config.json" t_missing_config
run_test "missing rootfs" t_missing_rootfs
run_test "duplicate rlimit" t_duplicate_rlimit
run_test "unknown rlimit" t_unknown_rlimit
run_test "unknown namespace" t_unknown_namespace
run_test "relative cwd" t_relative_cwd
run_test "empty args" t_empty_args
run_test "no root" t_no_root
run_test "mount without destination" t_mount_without_destination
run_test "missing bind source" t_bad_mount_source
run_test "bad device" t_bad_device
run_test "systemd-cgroup without systemd" t_systemd_not_pid1
