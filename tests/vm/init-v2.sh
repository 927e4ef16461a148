#!/bin/sh
# /init of the cgroup v2 test VM (tests/vm/run-v2.sh builds the initramfs).
# Busybox sh as PID 1 on a pure cgroup2 host (cgroup_no_v1=all): checks the
# v2 driver through tests/vm/cgv2-probe and the runtime through tong, prints
# one `ok vm-v2: ...` / `not ok vm-v2: ...` line per check on the console
# (short: the serial line is slow), then powers off.
#
# Layout: /bin/busybox (+ applet links made here), /opt/tong/{tong,
# cgv2-probe,tinit} and their shared libraries, /bundle (rootfs: busybox and
# tinit; config.json written by run-v2.sh), /lib/modules/loop.ko.
export PATH=/bin:/sbin
/bin/busybox mkdir -p /sbin /proc /sys /dev /tmp /run
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# Kernel messages would interleave with the result lines.
echo "${VM_PRINTK:-1}" >/proc/sys/kernel/printk

T=/opt/tong
P=$T/cgv2-probe
# Bounded, so one stuck command cannot eat the whole VM budget.
TONG="timeout -s KILL 60 $T/tong"
CGR=/sys/fs/cgroup
N=0
ok() { echo "ok vm-v2: $*"; N=$((N + 1)); }
nok() { echo "not ok vm-v2: $*"; N=$((N + 1)); }
# check NAME WANT GOT: equality of two strings.
check() {
  if [ "$2" = "$3" ]; then ok "$1"; else nok "$1: want '$2', got '$3'"; fi
}
# has NAME NEEDLE TEXT: TEXT contains NEEDLE.
has() {
  case $3 in *"$2"*) ok "$1" ;; *) nok "$1: '$2' not in '$(echo "$3" | head -c 300)'" ;; esac
}
val() { tr -d '\n' <"$1" 2>/dev/null || echo "(missing $1)"; }

# Every controller for the children, as a v2 host with systemd has them.
for c in $(cat $CGR/cgroup.controllers); do echo "+$c" >$CGR/cgroup.subtree_control 2>/dev/null; done
has "root: every controller enabled in subtree_control" "memory" "$(cat $CGR/cgroup.subtree_control)"

# A block device for io.max: a loop device over a file in tmpfs.
LOOP=
if insmod /lib/modules/loop.ko 2>/dev/null || [ -e /dev/loop0 ]; then
  dd if=/dev/zero of=/tmp/disk.img bs=1M count=4 2>/dev/null
  losetup /dev/loop0 /tmp/disk.img 2>/dev/null && LOOP=$(cat /sys/block/loop0/dev)
fi

# ---- the driver, op by op --------------------------------------------------

C=/tong-probe/c1
D=$CGR$C
out=$($P create $C 2>&1)
check "driver create: new leaf" "created=1" "$out"
[ -d $D ] && ok "driver create: $D exists" || nok "driver create: $D missing"
has "driver create: controllers enabled in the parent" "pids" "$(cat $CGR/tong-probe/cgroup.subtree_control)"

out=$($P set $C memory=33554432 swap=67108864 reservation=8388608 2>&1)
check "memory: set" "set=ok" "$out"
check "memory.limit -> memory.max" 33554432 "$(val $D/memory.max)"
check "memory.reservation -> memory.low" 8388608 "$(val $D/memory.low)"
if [ -e $D/memory.swap.max ]; then
  check "memory.swap (memory+swap) -> memory.swap.max" 33554432 "$(val $D/memory.swap.max)"
fi
out=$($P oom $C $P hog 128 2>&1)
has "memory: a 128 MiB hog under a 32 MiB limit is OOM-killed" "signal=9" "$out"
has "memory: the OOM kill is seen through memory.events" "oom=1" "$out"

out=$($P set $C shares=1024 quota=50000 period=100000 burst=1000 cpus=0 mems=0 2>&1)
check "cpu: set" "set=ok" "$out"
check "cpu.shares 1024 -> cpu.weight 39" 39 "$(val $D/cpu.weight)"
check "cpu.quota/period -> cpu.max" "50000 100000" "$(val $D/cpu.max)"
check "cpu.burst -> cpu.max.burst" 1000 "$(val $D/cpu.max.burst)"
check "cpu.cpus -> cpuset.cpus" 0 "$(val $D/cpuset.cpus)"
$P set $C --update period=200000 >/dev/null 2>&1
check "cpu: an update of the period keeps the quota" "50000 200000" "$(val $D/cpu.max)"
C2=/tong-probe/c2
$P create $C2 >/dev/null 2>&1
$P set $C2 idle=1 memory=max >/dev/null 2>&1
check "cpu.idle" 1 "$(val $CGR$C2/cpu.idle)"
check "memory.limit -1 -> memory.max max" max "$(val $CGR$C2/memory.max)"
if [ -e $CGR$C2/memory.swap.max ]; then
  check "memory.limit -1 also lifts memory.swap.max" max "$(val $CGR$C2/memory.swap.max)"
fi
$P destroy $C2 >/dev/null 2>&1
out=$($P set $C rtruntime=1000 2>&1)
has "cpu.realtimeRuntime: refused, naming the field" "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2" "$out"

$P set $C pids=16 >/dev/null 2>&1
check "pids.limit -> pids.max" 16 "$(val $D/pids.max)"
out=$($P run $C $P forks 100 2>&1)
has "pids: a fork bomb stops with EAGAIN" "errno=11" "$out"
n=$(echo "$out" | sed -n 's/^forked=//p')
[ -n "$n" ] && [ "$n" -lt 16 ] && ok "pids: $n forks, fewer than the limit" || nok "pids: forked '$n' (limit 16)"

if [ -n "$LOOP" ]; then
  maj=${LOOP%:*} min=${LOOP#*:}
  out=$($P set $C wbps=$maj:$min:1048576 riops=$maj:$min:100 weight=500 2>&1)
  check "io: set" "set=ok" "$out"
  has "io: throttle lines -> io.max" "$LOOP rbps=max wbps=1048576 riops=100 wiops=max" "$(cat $D/io.max)"
  if [ -e $D/io.bfq.weight ]; then
    has "blockIO.weight -> io.bfq.weight" "500" "$(cat $D/io.bfq.weight)"
  else
    has "blockIO.weight 500 -> io.weight 4950" "default 4950" "$(cat $D/io.weight)"
  fi
else
  nok "io: no loop device in the VM"
fi

if [ -e $D/hugetlb.2MB.max ]; then
  $P set $C hugetlb=2MB:4194304 >/dev/null 2>&1
  check "hugepageLimits -> hugetlb.2MB.max" 4194304 "$(val $D/hugetlb.2MB.max)"
fi
out=$($P set $C hugetlb=3MB:4194304 2>&1)
has "hugetlb: an unknown page size is named" "linux.resources.hugepageLimits[0]: page size 3MB" "$out"
out=$($P set $C rdma=mlx4_0:2:10 2>&1)
if [ -e $D/rdma.max ]; then
  has "rdma: a device the kernel does not know is refused, naming it" "linux.resources.rdma.mlx4_0" "$out"
fi
$P set $C unified=memory.high:52428800 >/dev/null 2>&1
check "unified memory.high written raw" 52428800 "$(val $D/memory.high)"
out=$($P set $C unified=memory.foo:1 2>&1)
has "unified: a missing file is named" "linux.resources.unified.memory.foo: no file" "$out"
out=$($P set $C unified=foo.bar:1 2>&1)
has "unified: a missing controller is named" "linux.resources.unified.foo.bar: the foo controller is not available" "$out"

# Devices: an eBPF program; a denied device cannot be opened.
$P set $C dev=deny:a:*:*:rwm dev=allow:c:1:3:rwm >/dev/null 2>&1
check "devices: /dev/null allowed" "open=ok" "$($P run $C $P open /dev/null 2>&1)"
check "devices: /dev/zero denied (EPERM)" "errno=1" "$($P run $C $P open /dev/zero 2>&1)"
check "devices: one program attached" "programs=1" "$($P ebpf-count $C)"
$P set $C --update dev=deny:a:*:*:rwm dev=allow:c:1:5:rw >/dev/null 2>&1
check "devices: update allows /dev/zero" "open=ok" "$($P run $C $P open /dev/zero 2>&1)"
check "devices: update denies /dev/null" "errno=1" "$($P run $C $P open /dev/null 2>&1)"
check "devices: the update replaced the program" "programs=1" "$($P ebpf-count $C)"
check "devices: set runc's defaults + a deny" "set=ok" "$($P set $C devdefaults dev=deny:c:1:5:w 2>&1)"
check "devices: runc's defaults allow /dev/full" "open=ok" "$($P run $C $P open /dev/full 2>&1)"
check "devices: a config deny after the defaults wins" "errno=1" "$($P run $C $P open /dev/zero 2>&1)"
if [ -n "$LOOP" ]; then
  check "devices: runc's defaults deny a block device" "errno=1" "$($P run $C $P open /dev/loop0 2>&1)"
fi

# A program attached without ALLOW_MULTI by someone else is replaced.
C3=/tong-probe/c3
$P create $C3 >/dev/null 2>&1
check "devices: a foreign program attached without ALLOW_MULTI" "attached=1" "$($P attach-plain $C3 2>&1)"
check "devices: set over it" "set=ok" "$($P set $C3 dev=deny:a:*:*:rwm dev=allow:c:1:3:rwm 2>&1)"
check "devices: the foreign program was replaced" "programs=1" "$($P ebpf-count $C3)"
check "devices: the new rules apply" "errno=1" "$($P run $C3 $P open /dev/zero 2>&1)"
$P destroy $C3 >/dev/null 2>&1

# Freezer.
pid=$($P bg $C /bin/sleep 600 | sed -n 's/^pid=//p')
check "freeze: cgroup.freeze and cgroup.events" "frozen=1" "$($P freeze $C 2>&1)"
has "freeze: the kernel says frozen 1" "frozen 1" "$(cat $D/cgroup.events)"
check "thaw" "frozen=0" "$($P thaw $C 2>&1)"
has "thaw: the kernel says frozen 0" "frozen 0" "$(cat $D/cgroup.events)"
check "pids: the sleeper is listed" "npids=1" "$($P pids $C 2>&1)"
out=$($P stats $C 2>&1)
has "stats: cpu usage" '"cpu":{"usage":{"total":' "$out"
has "stats: pids" '"pids":{"current":1,"limit":16}' "$out"
has "stats: memory limit" '"usage":{"limit":33554432' "$out"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check "destroy" "destroyed=1" "$($P destroy $C 2>&1)"
[ ! -d $D ] && ok "destroy: the cgroup is gone" || nok "destroy: $D still there"
rmdir $CGR/tong-probe 2>/dev/null

# ---- tong itself -------------------------------------------------------------

# The root here is the initramfs: tong must fall back from pivot_root.
cd /bundle || nok "tong: no bundle"
out=$($TONG --debug run vm-plain 2>&1)
has "tong run on an initramfs root" "hello-from-the-container" "$out"
has "tong run on an initramfs root: MS_MOVE + chroot instead of pivot_root" "instead of pivot_root: the current root is an initramfs" "$out"
$TONG delete -f vm-plain >/dev/null 2>&1

if [ -x /opt/tong/vm-tong-checks.sh ]; then
  . /opt/tong/vm-tong-checks.sh
fi

echo "# vm-v2 done: $N checks"
sync
poweroff -f
