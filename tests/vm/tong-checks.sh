# Sourced by tests/vm/init-v2.sh in the VM: the runtime's own cgroup v2 path
# (create, start, exec, pause/resume, update, events, ps, kill --all,
# delete) on a pure v2 host.  The bundles' configs are made by run-v2.sh:
#   /b-cg     cgroupsPath /tong-vm/c1, memory 64M, cpu, pids 32; linux.devices
#             loop0 (no rule: denied) and loop-control (allowed by a rule)
#   /b-small  a 512 KiB memory limit, prints small-ok
#   /b-io     blockIO weight and a write throttle on loop0 (7:0)
#   /b-rt     cpu.realtimeRuntime (refused on v2)
# Uses ok/nok/check/has/val and $TONG, $CGR, $LOOP from init-v2.sh.

D=$CGR/tong-vm/c1
state_status() { $TONG state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }

# Output to files, never $(...): the container keeps create's stdio open.
$TONG create --bundle /b-cg vmcg >/tmp/create.out 2>&1 </dev/null
check "tong create with linux.resources" "" "$(cat /tmp/create.out)"
check "tong create: memory.limit -> memory.max" 67108864 "$(val $D/memory.max)"
check "tong create: cpu.shares -> cpu.weight" 39 "$(val $D/cpu.weight)"
check "tong create: cpu.quota/period -> cpu.max" "50000 100000" "$(val $D/cpu.max)"
check "tong create: pids.limit -> pids.max" 32 "$(val $D/pids.max)"
pid=$($TONG state vmcg 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
has "tong create: the container process is in the cgroup" "$pid" "$(cat $D/cgroup.procs 2>/dev/null)"
$TONG start vmcg >/dev/null 2>&1
check "tong start" running "$(state_status vmcg)"

check "tong devices: an allowed device opens" "written=/dev/null" "$($TONG exec vmcg /bin/tinit write /dev/null x 2>/dev/null)"
# open only: `exec 3<>` in the container's shell.
opens() { $TONG exec vmcg /bin/busybox sh -c "exec 3<>$1 && echo opened" 2>&1; }
has "tong devices: a linux.devices node without a rule cannot be opened" "Operation not permitted" "$(opens /dev/loop0)"
check "tong devices: a linux.devices node with an allow rule opens" opened "$(opens /dev/loop-control)"

$TONG pause vmcg >/dev/null 2>&1
has "tong pause: cgroup.events frozen 1" "frozen 1" "$(cat $D/cgroup.events)"
check "tong pause: state paused" paused "$(state_status vmcg)"
$TONG resume vmcg >/dev/null 2>&1
has "tong resume: cgroup.events frozen 0" "frozen 0" "$(cat $D/cgroup.events)"
check "tong resume: state running" running "$(state_status vmcg)"

out=$($TONG update --memory 100663296 --cpu-quota 20000 --pids-limit 24 vmcg 2>&1)
check "tong update flags" "" "$out"
check "tong update: memory.max" 100663296 "$(val $D/memory.max)"
check "tong update: cpu.max keeps the period" "20000 100000" "$(val $D/cpu.max)"
check "tong update: pids.max" 24 "$(val $D/pids.max)"
echo '{"memory":{"limit":83886080},"cpu":{"shares":2048}}' | $TONG update --resources - vmcg >/dev/null 2>&1
check "tong update --resources -: memory.max" 83886080 "$(val $D/memory.max)"
check "tong update --resources -: cpu.weight" 79 "$(val $D/cpu.weight)"
out=$($TONG update --cpu-rt-runtime 1000 vmcg 2>&1)
has "tong update --cpu-rt-runtime: refused on v2" "realtimeRuntime" "$out"
out=$($TONG update --kernel-memory 64m vmcg 2>&1)
has "tong update --kernel-memory: refused on v2" "linux.resources.memory.kernel: not supported on cgroup v2" "$out"
check "tong update: a refused update leaves memory.max" 83886080 "$(val $D/memory.max)"

out=$($TONG events --stats vmcg 2>&1)
has "tong events --stats: type stats" '"type":"stats"' "$out"
has "tong events --stats: memory usage" '"memory":{' "$out"
has "tong events --stats: pids" '"pids":{"current":' "$out"

# OOM: an events watcher, then a hog bigger than the limit.
$TONG events --interval 60s vmcg >/tmp/events.out 2>&1 &
evpid=$!
sleep 1
$TONG exec vmcg /bin/busybox dd if=/dev/zero of=/dev/null bs=120M count=1 >/dev/null 2>&1
rc=$?
check "tong exec: a 120 MiB hog under an 80 MiB limit is killed" 137 "$rc"
has "tong oom: memory.events counts the kill" "oom_kill 1" "$(cat $D/memory.events)"
i=0
while [ $i -lt 50 ] && ! grep -q '"type":"oom"' /tmp/events.out; do sleep 0.1; i=$((i + 1)); done
has "tong events: reports the oom" '"type":"oom"' "$(cat /tmp/events.out)"
kill "$evpid" 2>/dev/null
wait "$evpid" 2>/dev/null

# A fork bomb stops at pids.max (24 after the update).
$TONG exec vmcg /bin/busybox sh -c 'i=0; while [ $i -lt 60 ]; do /bin/busybox sleep 300 & i=$((i + 1)); done; echo spawned' >/tmp/bomb.out 2>&1 </dev/null
out=$(cat /tmp/bomb.out)
has "tong pids: a fork bomb is refused forks" "can't fork" "$out"
n=$(val $D/pids.current)
[ "$n" -le 24 ] 2>/dev/null && ok "tong pids: pids.current $n within the limit 24" || nok "tong pids: pids.current '$n' (limit 24)"
np=$($TONG ps vmcg 2>/dev/null | tail -n +2 | wc -l)
[ "$np" -gt 1 ] && ok "tong ps: $np processes from the cgroup" || nok "tong ps: '$np' processes"

echo '{"devices":[{"allow":true,"type":"b","major":7,"minor":0,"access":"rw"}]}' | $TONG update --resources - vmcg >/dev/null 2>&1
check "tong update devices: /dev/loop0 now opens" opened "$(opens /dev/loop0)"

$TONG kill --all vmcg KILL >/dev/null 2>&1
i=0
while [ $i -lt 50 ] && [ "$(state_status vmcg)" != stopped ]; do sleep 0.1; i=$((i + 1)); done
check "tong kill --all: stopped" stopped "$(state_status vmcg)"
$TONG delete vmcg >/dev/null 2>&1
[ ! -d $D ] && ok "tong delete: the cgroup is gone" || nok "tong delete: $D still there"

out=$($TONG run --bundle /b-small vmsmall 2>&1)
has "tong run with a 512 KiB memory limit" "small-ok" "$out"
$TONG delete -f vmsmall >/dev/null 2>&1

# A limit the setup cannot fit in, and one below the usage: explained.
$TONG run --bundle /b-tiny vmtiny >/tmp/tiny.out 2>&1 </dev/null
has "tong run with a 16 KiB limit: explained (usage, peak)" "linux.resources.memory.limit: 16384 bytes is below what the container uses" "$(cat /tmp/tiny.out)"
[ ! -d $CGR/tong-vm/tiny ] && ok "tong run with a 16 KiB limit: no cgroup left" || nok "tong run with a 16 KiB limit: $CGR/tong-vm/tiny left"
$TONG delete -f vmtiny >/dev/null 2>&1
H=$CGR/tong-vm/hold
$TONG run -d --bundle /b-hold vmhold >/tmp/hold.out 2>&1 </dev/null
i=0
while [ $i -lt 100 ] && ! $TONG exec vmhold /bin/busybox test -e /tmp/held 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
n=$(val $H/memory.current)
[ "$n" -gt 8000000 ] 2>/dev/null && ok "tong: the holder uses $n bytes" || nok "tong: the holder uses '$n' bytes, not 8 MB"
out=$($TONG update --memory 4194304 vmhold 2>&1)
has "tong update below the usage: explained" "linux.resources.memory.limit: 4194304 bytes is below what the container uses" "$out"
check "tong update below the usage: memory.max kept" 67108864 "$(val $H/memory.max)"
check "tong update below the usage: nothing OOM-killed" "running" "$(state_status vmhold)"
has "tong update below the usage: no oom_kill" "oom_kill 0" "$(cat $H/memory.events)"
$TONG delete -f vmhold >/dev/null 2>&1

if [ -n "$LOOP" ]; then
  $TONG create --bundle /b-io vmio >/tmp/create.out 2>&1 </dev/null
  check "tong create with blockIO" "" "$(cat /tmp/create.out)"
  has "tong blockIO: io.max" "7:0 rbps=max wbps=1048576 riops=300 wiops=max" "$(cat $CGR/tong-vm/io/io.max 2>/dev/null)"
  has "tong blockIO: weight -> io.weight default" "default 4950" "$(cat $CGR/tong-vm/io/io.weight 2>/dev/null)"
  $TONG delete -f vmio >/dev/null 2>&1
  # A per-device weight: refused and explained without BFQ, applied with it.
  $TONG create --bundle /b-iowd vmiowd >/tmp/create.out 2>&1 </dev/null
  has "tong blockIO.weightDevice without BFQ: refused, explained" "linux.resources.blockIO.weightDevice[0] (a per-device weight needs BFQ" "$(cat /tmp/create.out)"
  $TONG delete -f vmiowd >/dev/null 2>&1
  if insmod /lib/modules/bfq.ko 2>/dev/null && echo bfq >/sys/block/loop0/queue/scheduler 2>/dev/null; then
    $TONG create --bundle /b-iowd vmiowd >/tmp/create.out 2>&1 </dev/null
    check "tong create with BFQ on loop0" "" "$(cat /tmp/create.out)"
    has "tong blockIO.weight -> io.bfq.weight default" "default 500" "$(cat $CGR/tong-vm/iowd/io.bfq.weight 2>/dev/null)"
    has "tong blockIO.weightDevice -> an io.bfq.weight device line" "7:0 200" "$(cat $CGR/tong-vm/iowd/io.bfq.weight 2>/dev/null)"
    $TONG delete -f vmiowd >/dev/null 2>&1
  else
    nok "tong blockIO: could not make BFQ loop0's scheduler"
  fi
fi

$TONG create --bundle /b-rt vmrt >/tmp/create.out 2>&1 </dev/null
out=$(cat /tmp/create.out)
has "tong create: realtimeRuntime refused on v2, naming the field" "linux.resources.cpu.realtimeRuntime" "$out"
[ ! -d $CGR/tong-vm/rt ] && ok "tong create: a refused create leaves no cgroup" || nok "tong create: $CGR/tong-vm/rt left behind"
$TONG delete -f vmrt >/dev/null 2>&1
rmdir $CGR/tong-vm 2>/dev/null
