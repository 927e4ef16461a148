#!/bin/bash
# The systemd cgroup driver against a real systemd: this host has no systemd
# as PID 1, so tests/vm/run-systemd.sh boots a throwaway VM (qemu TCG,
# Debian's kernel, no network) whose PID 1 is this host's systemd 252 and
# runs tong --systemd-cgroup there, over systemd's private socket and over a
# system bus; once on unified v2, once on systemd's hybrid layout.  Its
# `ok vm-systemd: ...` / `ok vm-systemd-hybrid: ...` lines are passed through; without
# qemu one `not ok` says so (CI installs it from contrib/deps.d/vm.list).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
skip=0
[ -n "${MAKELEVEL:-}" ] && skip=77
if [ "$(id -u)" != 0 ]; then
  echo "skip vm-systemd: the VM test needs root (apt-get download, the cache dir)"
  exit $skip
fi
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
  echo "not ok vm-systemd: qemu-system-x86_64 is not installed (contrib/deps.d/vm.list)"
  [ $skip = 77 ] && exit 77
  exit 1
fi
rc=0
VM_TIMEOUT=${VM_TIMEOUT:-180} bash "$TOP/tests/vm/run-systemd.sh" || rc=1
# Again with systemd's hybrid layout (v1 controllers + unified), this host's kind.
SD_CGROUP=hybrid VM_TIMEOUT=${VM_TIMEOUT:-180} bash "$TOP/tests/vm/run-systemd.sh" || rc=1
exit $rc
