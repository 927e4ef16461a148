#!/bin/bash
# Boot one throwaway VM on a pure cgroup v2 hierarchy and print its result
# lines (`ok vm-v2: ...` / `not ok vm-v2: ...`), for tests/integration/t-vm-v2.sh.
#
# qemu-system-x86_64 with TCG (no KVM needed), Debian's kernel (apt-get
# download, unpacked with dpkg -x into a cache dir, never installed), booted
# with cgroup_no_v1=all, no network device, an initramfs of busybox-static,
# the built tong, tests/vm/cgv2-probe, tests/init/tinit, the shared libraries
# ldd names, the loop module, and tests/vm/init-v2.sh as /init.
#
#   VM_TIMEOUT=s        bound on the boot (default 600)
#   TONG_VM_CACHE=dir   where the kernel is kept (default /var/tmp/tong-vm-cache)
#   VM_INIT=file        another /init (contrib/appliance/init), VM_AREA its prefix
#   VM_KEEP_LOG=file    keep the whole console log there
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
AREA=${VM_AREA:-vm-v2}
CACHE=${TONG_VM_CACHE:-/var/tmp/tong-vm-cache}
TIMEOUT=${VM_TIMEOUT:-600}
INIT=${VM_INIT:-$TOP/tests/vm/init-v2.sh}
TONG=${TONG:-$TOP/tong}
PROBE=$TOP/tests/vm/cgv2-probe
TINIT=${TINIT:-$TOP/tests/init/tinit}

fail() {
  echo "not ok $AREA: $*"
  exit 1
}

for tool in qemu-system-x86_64 cpio busybox jq xz dpkg; do
  command -v $tool >/dev/null 2>&1 || fail "missing $tool (contrib/deps.d/vm.list; bash contrib/install-deps.sh)"
done
BUSYBOX=$(command -v busybox)
ldd "$BUSYBOX" >/dev/null 2>&1 && fail "$BUSYBOX is not static (install busybox-static)"
for f in "$TONG" "$PROBE" "$TINIT"; do
  [ -x "$f" ] || fail "$f is not built (make; make tests/vm/cgv2-probe)"
done

# ---- the kernel: Debian's, cached ---------------------------------------------
. "$TOP/tests/vm/kernel.sh"

# ---- the initramfs --------------------------------------------------------------
WORK=$(mktemp -d /tmp/tong-vm.XXXXXX) || fail "mktemp"
QPID=
cleanup() {
  if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
    kill -KILL "$QPID" 2>/dev/null
    wait "$QPID" 2>/dev/null
  fi
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
IR=$WORK/ir
mkdir -p "$IR"/{bin,opt/tong,lib/modules,bundle/rootfs/bin,etc}
cp "$BUSYBOX" "$IR/bin/busybox"
ln -s busybox "$IR/bin/sh"
cp "$INIT" "$IR/init"
chmod 0755 "$IR/init"
BINS=("$TONG" "$PROBE")
# The appliance gets tong alone: a static one (TONG=...) needs no library.
[ "$AREA" = appliance ] && BINS=("$TONG")
cp "${BINS[@]}" "$TINIT" "$IR/opt/tong/"
cp "$KDIR/loop.ko" "$KDIR/bfq.ko" "$IR/lib/modules/"
# The dynamic loader and the libraries of tong and the probe, at their paths.
for f in "${BINS[@]}"; do
  ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\//{print $1}'
done | sort -u | while read -r lib; do
  mkdir -p "$IR$(dirname "$lib")"
  cp -L "$lib" "$IR$lib"
done
echo "root:x:0:0:root:/:/bin/sh" >"$IR/etc/passwd"
# The container: busybox and tinit, from the initramfs root itself.
cp "$BUSYBOX" "$IR/bundle/rootfs/bin/busybox"
ln -s busybox "$IR/bundle/rootfs/bin/sh"
cp "$TINIT" "$IR/bundle/rootfs/bin/tinit"
mkdir -p "$IR"/bundle/rootfs/{proc,sys,dev,tmp,etc}
(cd "$WORK" && "$TONG" spec -b "$IR/bundle") || fail "tong spec"
jq '.process.terminal = false | .process.args = ["/bin/tinit", "echo", "hello-from-the-container"]
    | .root.readonly = false' "$IR/bundle/config.json" >"$WORK/c.json" && mv "$WORK/c.json" "$IR/bundle/config.json"
# Extra checks of the runtime itself, given the same bundle (optional).
if [ -z "${VM_INIT:-}" ] && [ -e "$TOP/tests/vm/tong-checks.sh" ]; then
  cp "$TOP/tests/vm/tong-checks.sh" "$IR/opt/tong/vm-tong-checks.sh"
  chmod 0755 "$IR/opt/tong/vm-tong-checks.sh"
  # bundle NAME JQ-FILTER: /NAME/config.json from the plain one, same rootfs.
  bundle() {
    mkdir -p "$IR/$1"
    jq ".root.path = \"/bundle/rootfs\" | $2" "$IR/bundle/config.json" >"$IR/$1/config.json" ||
      fail "config for $1"
  }
  bundle b-cg '.process.args = ["/bin/tinit", "sleep", "600"] | .linux.cgroupsPath = "/tong-vm/c1"
    | .linux.resources.memory = {limit: 67108864}
    | .linux.resources.cpu = {shares: 1024, quota: 50000, period: 100000}
    | .linux.resources.pids = {limit: 32}
    | .linux.devices = [{path: "/dev/loop0", type: "b", major: 7, minor: 0},
                        {path: "/dev/loop-control", type: "c", major: 10, minor: 237}]
    | .linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 237, access: "rwm"}]'
  bundle b-small '.process.args = ["/bin/tinit", "echo", "small-ok"] | .linux.cgroupsPath = "/tong-vm/small"
    | .linux.resources.memory = {limit: 524288}'
  bundle b-io '.process.args = ["/bin/tinit", "sleep", "600"] | .linux.cgroupsPath = "/tong-vm/io"
    | .linux.resources.blockIO = {weight: 500,
      throttleWriteBpsDevice: [{major: 7, minor: 0, rate: 1048576}],
      throttleReadIOPSDevice: [{major: 7, minor: 0, rate: 300}]}'
  bundle b-iowd '.process.args = ["/bin/tinit", "sleep", "600"] | .linux.cgroupsPath = "/tong-vm/iowd"
    | .linux.resources.blockIO = {weight: 500, weightDevice: [{major: 7, minor: 0, weight: 200}]}'
  bundle b-tiny '.process.args = ["/bin/tinit", "echo", "tiny-ok"] | .linux.cgroupsPath = "/tong-vm/tiny"
    | .linux.resources.memory = {limit: 16384}'
  bundle b-hold '.process.args = ["/bin/busybox", "sh", "-c",
      "x=$(/bin/busybox head -c 8000000 /dev/zero | /bin/busybox tr \"\\\\0\" a); echo held >/tmp/held; /bin/busybox sleep 600; echo ${#x}"]
    | .linux.cgroupsPath = "/tong-vm/hold" | .linux.resources.memory = {limit: 67108864}'
  bundle b-rt '.linux.cgroupsPath = "/tong-vm/rt" | .linux.resources.cpu = {realtimeRuntime: 950000}'
fi
if [ "$AREA" = appliance ]; then
  # contrib/appliance/init's layout: the bundle at /containers/app.
  mkdir -p "$IR/containers"
  mv "$IR/bundle" "$IR/containers/app"
  jq '.process.args = ["/bin/tinit", "echo", "hello-from-the-appliance"]' \
    "$IR/containers/app/config.json" >"$WORK/c.json" && mv "$WORK/c.json" "$IR/containers/app/config.json"
fi
(cd "$IR" && find . | cpio -o -H newc --quiet) >"$WORK/initramfs.cpio" || fail "cpio"

# ---- boot -----------------------------------------------------------------------
vm_boot "console=ttyS0 quiet loglevel=1 cgroup_no_v1=all panic=-1 rdinit=/init"
if [ "$AREA" = appliance ]; then
  # The example init prints no result lines: check its console here.
  con=$(tr -d '\r' <"$LOG")
  want() {
    if printf '%s\n' "$con" | grep -qx -- "$2"; then echo "ok appliance: $1"; else echo "not ok appliance: $1: no line '$2' on the console"; fi
  }
  want "the init starts the container" "appliance: starting container app from /containers/app"
  want "the container's output reaches the console" "hello-from-the-appliance"
  want "the container exits 0 (tong ran it from the initramfs root)" "appliance: container app exited with status 0"
  if printf '%s\n' "$con" | grep -q "^appliance: powering off"; then
    echo "# $AREA done"
    echo "# $AREA: VM run took $((SECONDS - start)) s"
    exit 0
  fi
fi
tr -d '\r' <"$LOG" | grep -E "^(ok|not ok) $AREA: " || true
if ! tr -d '\r' <"$LOG" | grep -q "^# $AREA done"; then
  echo "not ok $AREA: the VM did not finish within ${TIMEOUT}s; console tail:"
  tr -d '\r' <"$LOG" | tail -n 15 | sed 's/^/# /'
  head -c 500 "$WORK/qemu.out" | sed 's/^/# qemu: /'
  exit 1
fi
echo "# $AREA: VM run took $((SECONDS - start)) s"
exit 0
