#!/bin/sh
# Run by tong-vm.service in the systemd VM (tests/vm/run-systemd.sh): tong
# --systemd-cgroup against the real systemd that is PID 1, first over
# systemd's private socket (no bus daemon yet), then over a system bus.
# One `ok vm-systemd: ...` / `not ok vm-systemd: ...` line per check; the
# unit's SuccessAction powers the VM off when this ends.
T=/opt/tong
TONG="timeout -s KILL 60 $T/tong"
CGR=/sys/fs/cgroup
# Hybrid (systemd.unified_cgroup_hierarchy=0, as this project's own host):
# v1 controllers plus cgroup2 at /sys/fs/cgroup/unified.
if grep -q "unified_cgroup_hierarchy=0" /proc/cmdline; then
  AREA=vm-systemd-hybrid
  UNI=$CGR/unified
else
  AREA=vm-systemd
  UNI=$CGR
fi
ok() { echo "ok $AREA: $*"; }
nok() { echo "not ok $AREA: $*"; }
check() {
  if [ "$2" = "$3" ]; then ok "$1"; else nok "$1: want '$2', got '$3'"; fi
}
has() {
  case $3 in *"$2"*) ok "$1" ;; *) nok "$1: '$2' not in '$(echo "$3" | head -c 300)'" ;; esac
}
# run -d: the detached container keeps its stdio, so never a $(...) pipe.
rund() {
  $TONG "$@" >/tmp/rund.out 2>&1 </dev/null
  rc=$?
  out=$(cat /tmp/rund.out)
}
# Milliseconds since boot.
now() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }
val() { tr -d '\n' <"$1" 2>/dev/null || echo "(missing $1)"; }
prop() { systemctl --no-pager show -p "$2" --value "$1" 2>&1; }
echo 1 >/proc/sys/kernel/printk

check "systemd is PID 1" systemd "$(cat /proc/1/comm)"
has "cgroup2 at $UNI" cgroup2 "$(grep " $UNI " /proc/mounts)"
cd /bundle || nok "no /bundle"

echo "# t=$(cut -d" " -f1 /proc/uptime) round 1"
# ---- round 1: systemd's private socket ------------------------------------------
rund --debug --systemd-cgroup run -d c1
check "tong --systemd-cgroup run -d c1 (cgroupsPath system.slice:tong:c1)" 0 "$rc"
[ $rc = 0 ] || echo "$out" | tail -n 5 | sed 's/^/# /'
has "tong talked to systemd over /run/systemd/private (no bus yet)" "/run/systemd/private" "$out"
check "the scope unit is active" active "$(prop tong-c1.scope ActiveState)"
check "the scope sits in the slice" system.slice "$(prop tong-c1.scope Slice)"
check "its cgroup" /system.slice/tong-c1.scope "$(prop tong-c1.scope ControlGroup)"
check "the unit is delegated" yes "$(prop tong-c1.scope Delegate)"
S=system.slice/tong-c1.scope
D=$UNI/$S
pid=$($T/tong state c1 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -n 1)
has "the container's pid is in the scope's cgroup.procs" "$pid" "$(cat $D/cgroup.procs 2>&1)"
has "the container's /proc/PID/cgroup" "0::/$S" "$(cat /proc/$pid/cgroup 2>&1)"
check "systemd's TasksMax (pids.limit)" 32 "$(prop tong-c1.scope TasksMax)"
check "systemd's CPUQuotaPerSecUSec (quota 50000 / period 100000)" 500ms "$(prop tong-c1.scope CPUQuotaPerSecUSec)"
if [ $UNI = $CGR ]; then
  MEMF=$D/memory.max
  check "systemd's MemoryMax (memory.limit)" 67108864 "$(prop tong-c1.scope MemoryMax)"
  check "memory.max in the scope's cgroup" 67108864 "$(val $MEMF)"
  check "pids.max" 32 "$(val $D/pids.max)"
  check "systemd's CPUWeight (shares 1024)" 39 "$(prop tong-c1.scope CPUWeight)"
  check "cpu.weight" 39 "$(val $D/cpu.weight)"
  check "cpu.max" "50000 100000" "$(val $D/cpu.max)"
  check "systemd's MemoryLow (memory.reservation)" 8388608 "$(prop tong-c1.scope MemoryLow)"
  check "memory.low" 8388608 "$(val $D/memory.low)"
  check "systemd's AllowedCPUs (cpu.cpus)" 0 "$(prop tong-c1.scope AllowedCPUs)"
  check "systemd's AllowedMemoryNodes (cpu.mems)" 0 "$(prop tong-c1.scope AllowedMemoryNodes)"
  check "cpuset.cpus" 0 "$(val $D/cpuset.cpus)"
else
  MEMF=$CGR/memory/$S/memory.limit_in_bytes
  has "v1 memory: the container's /proc/PID/cgroup" "memory:/$S" "$(cat /proc/$pid/cgroup 2>&1)"
  check "systemd's MemoryLimit (memory.limit, v1)" 67108864 "$(prop tong-c1.scope MemoryLimit)"
  check "memory.limit_in_bytes in the scope's v1 cgroup" 67108864 "$(val $MEMF)"
  check "pids.max (v1)" 32 "$(val $CGR/pids/$S/pids.max)"
  check "systemd's CPUShares (v1)" 1024 "$(prop tong-c1.scope CPUShares)"
  check "cpu.shares (v1)" 1024 "$(val $CGR/cpu,cpuacct/$S/cpu.shares)"
  check "cpu.cfs_quota_us (v1)" 50000 "$(val $CGR/cpu,cpuacct/$S/cpu.cfs_quota_us)"
  check "cpuset.cpus (v1, written by tong)" 0 "$(val $CGR/cpuset/$S/cpuset.cpus)"
  has "the freezer hierarchy (not systemd's) got the container too" "$pid" "$(cat $CGR/freezer/$S/cgroup.procs 2>&1)"
fi
out=$($TONG ps c1 2>&1)
has "tong ps reads the scope's cgroup" "$pid" "$out"
$TONG exec c1 /bin/busybox sh -c 'cat /proc/self/cgroup >/tmp/exec-cg' >/dev/null 2>&1
has "tong exec joins the scope" "0::/" "$(cat /bundle/rootfs/tmp/exec-cg 2>&1)"
# Device rules: the config's (deny /dev/mem, c 1:1) hold, also after
# systemd re-applies the unit's cgroup settings (set-property).
devcheck() {
  $TONG exec c1 /bin/busybox sh -c 'rm -f /tmp/mem; mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem >/dev/null' >/tmp/dev.out 2>&1
  echo $?
}
check "devices: systemd's DevicePolicy" strict "$(prop tong-c1.scope DevicePolicy)"
has "devices: systemd's DeviceAllow has the default rules" "/dev/char/1:3 rwm" "$(prop tong-c1.scope DeviceAllow)"
has "devices: and the wildcard ones as device groups" "char-pts rwm" "$(prop tong-c1.scope DeviceAllow)"
devok() {
  $TONG exec c1 /bin/busybox sh -c 'echo x >/dev/null && head -c 1 /dev/zero >/dev/null && head -c 1 /dev/urandom >/dev/null && echo y >/dev/full; [ $? = 1 ] && head -c 1 /dev/full >/dev/null' >/tmp/devok.out 2>&1
  echo $?
}
r=$(devok)
check "devices: /dev/null, zero, urandom and full work" 0 "$r"
[ "$r" = 0 ] || grep . /tmp/devok.out | head -n 3 | sed 's/^/# devok: /' 
check "devices: /dev/mem (c 1:1) cannot be read in the container" 1 "$(devcheck)"
systemctl set-property --runtime tong-c1.scope CPUWeight=50 >/dev/null 2>&1
check "devices: still denied after systemctl set-property" 1 "$(devcheck)"
timeout 60 systemctl daemon-reload >/dev/null 2>&1
check "devices: still denied after systemctl daemon-reload" 1 "$(devcheck)"
check "devices: the allowed ones still work after daemon-reload" 0 "$(devok)"
grep -q "Operation not permitted" /tmp/dev.out && ok "devices: the error is EPERM" || nok "devices: $(head -c 200 /tmp/dev.out)"
[ $UNI = $CGR ] || has "devices: v1 devices.list has no 'a *:* rwm' after set-property and daemon-reload" "c 1:3 rwm" "$(cat $CGR/devices/$S/devices.list 2>&1)"
[ $UNI = $CGR ] || { grep -qx 'a \*:\* rwm' $CGR/devices/$S/devices.list && nok "devices: v1 devices.list allows everything" || ok "devices: v1 devices.list is not allow-all"; }
out=$($TONG update --memory 33554432 --pids-limit 20 c1 2>&1)
check "tong update" "" "$out"
check "update: the memory limit file" 33554432 "$(val $MEMF)"
if [ $UNI = $CGR ]; then
  check "update: systemd's MemoryMax follows (SetUnitProperties)" 33554432 "$(prop tong-c1.scope MemoryMax)"
else
  check "update: systemd's MemoryLimit follows (SetUnitProperties)" 33554432 "$(prop tong-c1.scope MemoryLimit)"
fi
check "update: systemd's TasksMax follows" 20 "$(prop tong-c1.scope TasksMax)"
rund --systemd-cgroup run -d c1
has "a second container of the same id is refused" "exists" "$out"
# A second container in the same unit name: refused by systemd itself.
mkdir -p /b2 && sed 's|"path": *"rootfs"|"path": "/bundle/rootfs"|' /bundle/config.json >/b2/config.json
cd /b2 && rund --systemd-cgroup run -d other; cd /bundle
has "another container asking for the same scope: systemd's UnitExists, explained" "is still there" "$out"
$TONG delete -f other >/dev/null 2>&1

$TONG kill c1 KILL >/dev/null 2>&1
i=0
while [ $i -lt 100 ] && $T/tong state c1 2>/dev/null | grep -q '"running"'; do sleep 0.1; i=$((i + 1)); done
out=$($TONG --debug delete c1 2>&1)
check "tong delete c1 (exited)" "" "$(echo "$out" | grep -v '^debug')"
echo "$out" | grep -q warning && echo "$out" | grep -v phase | sed 's/^/# /' 
i=0
while [ $i -lt 50 ] && [ "$(prop tong-c1.scope LoadState)" != not-found ]; do sleep 0.1; i=$((i + 1)); done
check "delete: the scope is gone" not-found "$(prop tong-c1.scope LoadState)"
[ -e $D ] && nok "delete: $D is still there" || ok "delete: $D is gone"

echo "# t=$(cut -d" " -f1 /proc/uptime) delete -f"
# delete -f of a running container: StopUnit.
sed 's|"system.slice:tong:c1"|"system.slice:tong:c2"|' /b2/config.json >/b2/c2.json && mv /b2/c2.json /b2/config.json
cd /b2 && rund --systemd-cgroup run -d c2; cd /bundle
check "run -d c2" "" "$out"
check "c2: the scope is active" active "$(prop tong-c2.scope ActiveState)"
t0=$(now)
out=$($TONG --debug delete -f c2 2>&1)
t1=$(now)
check "tong delete -f c2 (running)" "" "$(echo "$out" | grep -v '^debug')"
[ $((t1 - t0)) -lt 8000 ] && ok "delete -f took $((t1 - t0)) ms (< 8 s)" || nok "delete -f took $((t1 - t0)) ms"
echo "$out" | grep -q warning && echo "$out" | grep -v phase | sed 's/^/# /' 
check "delete -f: the scope is gone" not-found "$(prop tong-c2.scope LoadState)"
[ -e $UNI/system.slice/tong-c2.scope ] && nok "delete -f: the cgroup is still there" || ok "delete -f: the cgroup is gone"

echo "# t=$(cut -d" " -f1 /proc/uptime) slice"
# A slice path systemd has to make: a-b.slice nests in a.slice.
sed 's|"system.slice:tong:c2"|"tongvm-inner.slice:tong:c3"|' /b2/config.json >/b2/c3.json && mv /b2/c3.json /b2/config.json
cd /b2 && rund --systemd-cgroup run -d c3; cd /bundle
check "run -d c3 in tongvm-inner.slice" "" "$out"
check "c3: its cgroup under the expanded slice" /tongvm.slice/tongvm-inner.slice/tong-c3.scope "$(prop tong-c3.scope ControlGroup)"
[ -d $UNI/tongvm.slice/tongvm-inner.slice/tong-c3.scope ] && ok "c3: the cgroup directory exists" || nok "c3: no cgroup directory"
$TONG delete -f c3 >/dev/null 2>&1
check "c3: deleted" not-found "$(prop tong-c3.scope LoadState)"

echo "# t=$(cut -d" " -f1 /proc/uptime) round 2"
# A create that fails after systemd made the scope (a bind mount whose
# source is missing fails in the container's setup): the scope goes again.
mkdir -p /b5
sed 's|"system.slice:tong:c1"|"system.slice:tong:c5"|; s|"path": *"rootfs"|"path": "/bundle/rootfs"|' /bundle/config.json >/b5/config.json
sed -i 's|"mounts": *\[|"mounts": [{"destination": "/data", "type": "bind", "source": "/no-such-dir", "options": ["bind"]},|' /b5/config.json
cd /b5 && rund --systemd-cgroup run -d c5; cd /bundle
[ $rc != 0 ] && ok "a create failing in the container's setup fails" || nok "c5: create succeeded"
has "c5: the error names the missing source" "/no-such-dir" "$out"
i=0
while [ $i -lt 50 ] && [ "$(prop tong-c5.scope LoadState)" != not-found ]; do sleep 0.1; i=$((i + 1)); done
check "c5: no scope is left" not-found "$(prop tong-c5.scope LoadState)"
[ -e $UNI/system.slice/tong-c5.scope ] && nok "c5: its cgroup is left" || ok "c5: no cgroup is left"

# ---- round 2: a system bus ----------------------------------------------------
systemctl start dbus.socket dbus.service 2>&1 | sed 's/^/# dbus: /'
i=0
while [ $i -lt 100 ] && ! busctl --system --no-pager list 2>/dev/null | grep -q '^org.freedesktop.systemd1 '; do
  sleep 0.2
  i=$((i + 1))
done
has "systemd is on the system bus" org.freedesktop.systemd1 "$(busctl --system --no-pager list 2>&1)"
sed 's|"tongvm-inner.slice:tong:c3"|"system.slice:tong:c4"|' /b2/config.json >/b2/c4.json && mv /b2/c4.json /b2/config.json
cd /b2 && rund --debug --systemd-cgroup run -d c4; cd /bundle
check "bus: run -d c4" 0 "$rc"
[ $rc = 0 ] || echo "$out" | tail -n 5 | sed 's/^/# /'
has "bus: tong went through /run/dbus/system_bus_socket" "system bus /run/dbus/system_bus_socket" "$out"
has "bus: busctl sees the scope active" '"active"' "$(busctl --system get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/tong_2dc4_2escope org.freedesktop.systemd1.Unit ActiveState 2>&1)"
if [ $UNI = $CGR ]; then
  check "bus: memory.max" 67108864 "$(val $CGR/system.slice/tong-c4.scope/memory.max)"
else
  check "bus: memory.limit_in_bytes" 67108864 "$(val $CGR/memory/system.slice/tong-c4.scope/memory.limit_in_bytes)"
fi
out=$($TONG delete -f c4 2>&1)
check "bus: delete -f c4" "" "$out"
check "bus: the scope is gone" not-found "$(prop tong-c4.scope LoadState)"
echo "# t=$(cut -d" " -f1 /proc/uptime) end"
echo "# $AREA done"
