#!/bin/bash
# Boot a throwaway VM whose PID 1 is systemd and print its result lines
# (`ok vm-systemd: ...` / `not ok vm-systemd: ...`), for
# tests/integration/t-vm-systemd.sh: tong --systemd-cgroup against a real
# systemd, over its private socket and over a system bus.
#
# qemu TCG with Debian's kernel (tests/vm/kernel.sh), no network device, an
# initramfs that is a tiny merged-/usr root: this host's own systemd 252
# binaries (systemd, systemctl, busctl, dbus-daemon; the systemd package is
# installed here, only not running) with the libraries ldd names, the unit
# files, busybox for the rest, the built tong and tinit.  The kernel starts
# /usr/lib/systemd/systemd as rdinit; systemd.unit= makes it start only
# tong-vm.service, which runs tests/vm/systemd-checks.sh on the serial
# console and powers the VM off when it ends.
#
#   SD_CGROUP=hybrid    boot systemd with its hybrid cgroup layout instead
#   VM_TIMEOUT=s        bound on the boot (default 240)
#   TONG_VM_CACHE=dir   where the kernel is kept (default /var/tmp/tong-vm-cache)
#   VM_KEEP_LOG=file    keep the whole console log there
#   SD_LOG_LEVEL=debug  systemd's log level (to the kernel log: dmesg)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# SD_CGROUP=hybrid: systemd's hybrid layout (v1 controllers + unified), the
# kind of host this project runs on; default: unified (v2).
if [ "${SD_CGROUP:-v2}" = hybrid ]; then
  AREA=vm-systemd-hybrid
  CG_ARGS="systemd.unified_cgroup_hierarchy=0"
else
  AREA=vm-systemd
  CG_ARGS="cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1"
fi
CACHE=${TONG_VM_CACHE:-/var/tmp/tong-vm-cache}
TIMEOUT=${VM_TIMEOUT:-240}
TONG=${TONG:-$TOP/tong}
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
for f in "$TONG" "$TINIT"; do
  [ -x "$f" ] || fail "$f is not built (make)"
done
SD_BINS=(/usr/lib/systemd/systemd /usr/bin/systemctl /usr/bin/busctl /usr/bin/dbus-daemon)
for f in "${SD_BINS[@]}"; do
  [ -x "$f" ] || fail "$f is missing: the VM borrows this host's systemd and dbus packages (apt-get install systemd dbus; they need not run)"
done

. "$TOP/tests/vm/kernel.sh"

# ---- the root filesystem (an initramfs) -----------------------------------------
WORK=$(mktemp -d /tmp/tong-vm-sd.XXXXXX) || fail "mktemp"
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
mkdir -p "$IR"/usr/{bin,sbin,lib/systemd,lib64} "$IR"/{etc/systemd/system,opt/tong,proc,sys,dev,run,tmp,var/tmp,root}
# Merged /usr, as Debian 12: the paths ldd prints go through these links.
for d in bin sbin lib lib64; do ln -s usr/$d "$IR/$d"; done
cp "$BUSYBOX" "$IR/usr/bin/busybox"
# Busybox for the shell tools; never for what systemd provides or for the
# power verbs (systemd does those).
for a in $("$BUSYBOX" --list); do
  case $a in init | linuxrc | poweroff | reboot | halt | busybox) continue ;; esac
  [ -e "$IR/usr/bin/$a" ] || ln -s busybox "$IR/usr/bin/$a"
done
cp /usr/lib/systemd/systemd "$IR/usr/lib/systemd/"
cp /usr/bin/systemctl /usr/bin/busctl /usr/bin/dbus-daemon "$IR/usr/bin/"
cp -a /usr/lib/systemd/system "$IR/usr/lib/systemd/"
# Debian's dbus units want a full dbus installation: ours replace them.
rm -f "$IR"/usr/lib/systemd/system/dbus.* "$IR"/usr/lib/systemd/system/*/dbus.*
cp "$TONG" "$TINIT" "$IR/opt/tong/"
for f in "${SD_BINS[@]}" "$TONG"; do
  ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\//{print $1}'
done | sort -u | while read -r lib; do
  mkdir -p "$IR$(dirname "$lib")"
  cp -L "$lib" "$IR$lib"
done
cp -L /usr/lib/os-release "$IR/etc/os-release" 2>/dev/null || echo 'ID=debian' >"$IR/etc/os-release"
echo 5d3e0c2a9b1f4e7d8c6b5a4f3e2d1c0b >"$IR/etc/machine-id"
printf 'root:x:0:0:root:/root:/bin/sh\nmessagebus:x:100:101::/nonexistent:/bin/false\n' >"$IR/etc/passwd"
printf 'root:x:0:\nmessagebus:x:101:\n' >"$IR/etc/group"
cp "$TOP/tests/vm/systemd-checks.sh" "$IR/opt/tong/systemd-checks.sh"
chmod 0755 "$IR/opt/tong/systemd-checks.sh"
cat >"$IR/etc/systemd/system/tong-vm.service" <<'UNIT'
[Unit]
Description=tong --systemd-cgroup checks
# Nothing else of a normal boot: this root has only what the checks need.
DefaultDependencies=no
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate

[Service]
Type=oneshot
ExecStart=/opt/tong/systemd-checks.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
UNIT
# A system bus for the second round, started by systemd: it joins the bus
# only when dbus.socket and dbus.service run.  A policy that lets root do
# anything.
cat >"$IR/etc/systemd/system/dbus.socket" <<'UNIT'
[Unit]
DefaultDependencies=no
[Socket]
ListenStream=/run/dbus/system_bus_socket
UNIT
cat >"$IR/etc/systemd/system/dbus.service" <<'UNIT'
[Unit]
DefaultDependencies=no
Requires=dbus.socket
[Service]
ExecStart=/usr/bin/dbus-daemon --config-file=/etc/tong-vm/bus.conf --nofork --nopidfile --systemd-activation
UNIT
mkdir -p "$IR/etc/tong-vm"
cat >"$IR/etc/tong-vm/bus.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>systemd:</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
# The container: busybox and tinit.
B=$IR/bundle
mkdir -p "$B"/rootfs/{bin,proc,sys,dev,tmp,etc}
cp "$BUSYBOX" "$B/rootfs/bin/busybox"
ln -s busybox "$B/rootfs/bin/sh"
cp "$TINIT" "$B/rootfs/bin/tinit"
(cd "$WORK" && "$TONG" spec -b "$B") || fail "tong spec"
jq '.process.terminal = false | .process.args = ["/bin/tinit", "sleep", "600"]
    | .root.readonly = false
    | .linux.cgroupsPath = "system.slice:tong:c1"
    | .linux.resources.memory = {limit: 67108864, reservation: 8388608}
    | .linux.resources.cpu = {shares: 1024, quota: 50000, period: 100000, cpus: "0", mems: "0"}
    | .linux.resources.pids = {limit: 32}' "$B/config.json" >"$WORK/c.json" &&
  mv "$WORK/c.json" "$B/config.json" || fail "config.json"
(cd "$IR" && find . | cpio -o -H newc --quiet) >"$WORK/initramfs.cpio" || fail "cpio"

# ---- boot -----------------------------------------------------------------------
vm_boot "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/usr/lib/systemd/systemd $CG_ARGS systemd.unit=tong-vm.service systemd.show_status=0 systemd.log_level=${SD_LOG_LEVEL:-warning} systemd.log_target=kmsg"
tr -d '\r' <"$LOG" | grep -E "^(ok|not ok) $AREA: " || true
if ! tr -d '\r' <"$LOG" | grep -q "^# $AREA done"; then
  echo "not ok $AREA: the VM did not finish within ${TIMEOUT}s; console tail:"
  tr -d '\r' <"$LOG" | tail -n 15 | sed 's/^/# /'
  head -c 500 "$WORK/qemu.out" | sed 's/^/# qemu: /'
  exit 1
fi
echo "# $AREA: VM run took $((SECONDS - start)) s"
exit 0
