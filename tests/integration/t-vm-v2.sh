#!/bin/bash
# cgroup v2 for real: this host's hierarchy may be v1 or hybrid, so the v2
# subset runs in a throwaway VM (tests/vm/run-v2.sh: qemu TCG, Debian's
# kernel with cgroup_no_v1=all, no network).  Its `ok vm-v2: ...` lines are
# passed through; without qemu one `not ok` says so (CI installs it from
# contrib/deps.d/vm.list).  Then the appliance example (contrib/appliance/init)
# boots the same way: `ok appliance: ...`.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# Under `make check` (MAKELEVEL is set) a host without root or qemu skips
# (77); run-all.sh counts a missing qemu as a failure, since CI installs it.
skip=0
[ -n "${MAKELEVEL:-}" ] && skip=77
if [ "$(id -u)" != 0 ]; then
  echo "skip vm-v2: the VM tests need root (apt-get download, the cache dir)"
  exit $skip
fi
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
  echo "not ok vm-v2: qemu-system-x86_64 is not installed (contrib/deps.d/vm.list)"
  [ $skip = 77 ] && exit 77
  exit 1
fi
rc=0
# Two boots share the budget run-all.sh gives one file (600 s).
VM_TIMEOUT=${VM_TIMEOUT:-400} bash "$TOP/tests/vm/run-v2.sh" || rc=1
# TONG_STATIC=path: boot the appliance with a static tong (configure
# --enable-static-binary) and no shared library in the initramfs at all.
if [ -e "$TOP/contrib/appliance/init" ]; then
  TONG=${TONG_STATIC:-${TONG:-$TOP/tong}} VM_TIMEOUT=${VM_APPLIANCE_TIMEOUT:-150} \
    VM_INIT="$TOP/contrib/appliance/init" VM_AREA=appliance bash "$TOP/tests/vm/run-v2.sh" || rc=1
fi
exit $rc
