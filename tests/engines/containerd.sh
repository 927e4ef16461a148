#!/bin/bash
# containerd + ctr with tong through the runc shim v2 (io.containerd.runc.v2)
# and its BinaryName option (`ctr run --runc-binary $TONG`), the path by
# which Kubernetes, through containerd, runs a runtime.  containerd gets a
# private root, state, socket and config (the CRI plugin disabled) under the
# temp dir; the runtime's state goes to a private --runc-root.
. "$(dirname "$0")/lib.sh"

D=$TMP/containerd
mkdir -p "$D"/{root,state,runc,fifo}
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/containerd.sock"
[ttrpc]
  address = "$D/containerd.sock.ttrpc"
[debug]
  address = "$D/debug.sock"
EOF
# The namespace names the tasks' cgroups (/NAMESPACE/ID): one for this run.
CTR=(ctr --address "$D/containerd.sock" --namespace "tong-test-$ENGINE_RUN_TAG")
IMG=localhost/bb:latest
# Every task runs through the runc shim with tong as its BinaryName.
# ctr's stdio fifos go to a private --fifo-dir too (a detached exec's
# fifos are otherwise left in /run/containerd/fifo).
RUNOPTS=(--runc-binary "$RUNTIME" --runc-root "$D/runc" --fifo-dir "$D/fifo")

engine_cleanup() {
  local id
  for id in $(timeout -k 5 30 "${CTR[@]}" task ls -q 2>/dev/null); do
    timeout -k 5 30 "${CTR[@]}" task kill -s SIGKILL "$id"
  done
  sleep 0.5
  for id in $(timeout -k 5 30 "${CTR[@]}" container ls -q 2>/dev/null); do
    timeout -k 5 30 "${CTR[@]}" task delete -f "$id"
    timeout -k 5 30 "${CTR[@]}" container delete "$id"
  done
  [ -n "${PID_containerd:-}" ] && stop_pid "$PID_containerd"
}

start_daemon containerd "$D/containerd.log" containerd --config "$D/config.toml"
if ! poll 100 "${CTR[@]}" version >/dev/null 2>&1; then
  fail "containerd: starts" "$(tail -c 400 "$D/containerd.log")"
  exit 1
fi
pass "containerd: starts (private root, state, socket)"

if ! make_rootfs >"$TMP/rootfs.log" 2>&1 || ! make_oci >"$TMP/oci.log" 2>&1; then
  fail "image: make the busybox OCI archive" "$(tail -c 300 "$TMP/rootfs.log" "$TMP/oci.log")"
  exit 1
fi
e "${CTR[@]}" images import "$TMP/bb-oci.tar"
e "${CTR[@]}" images ls -q
check "image: ctr images import of an OCI archive (umoci + skopeo)" "$(why)" '[[ $OUT == *"$IMG"* ]]'

# task_status ID: RUNNING, PAUSED, STOPPED... from `ctr task ls`.
task_status() { "${CTR[@]}" task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
is_status() { [ "$(task_status "$1")" = "$2" ]; }
task_pid() { "${CTR[@]}" task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }
R=("${CTR[@]}" run "${RUNOPTS[@]}")

# ---- foreground runs -----------------------------------------------------------

e "${R[@]}" --rm "$IMG" c-echo echo hello
check "run --rm echo" "$(why)" '[ $RC = 0 ] && [ "$OUT" = hello ]'
for code in 3 7; do
  e "${R[@]}" --rm "$IMG" "c-exit$code" sh -c "exit $code"
  check "run: exit code $code reaches the user" "$(why)" '[ $RC = $code ]'
done
"${R[@]}" --rm "$IMG" c-fg sleep 1000 >"$TMP/fg.out" 2>&1 </dev/null &
FG=$!
poll 50 is_status c-fg RUNNING
e "${CTR[@]}" task kill -s SIGKILL c-fg
wait $FG
RC=$?
check "run: exit code 137 (killed by SIGKILL) reaches the user" "rc=$RC $(head -c 200 "$TMP/fg.out")" '[ $RC = 137 ]'

et "${R[@]}" --rm -t "$IMG" c-tty tty
check "run -t: a terminal" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"/dev/pts/"* ]]'

# (ctr does not close the task's stdin at EOF: the task reads one line)
ei "from-stdin
" "${R[@]}" --rm "$IMG" c-stdin sh -c 'read l; echo "got $l"'
check "run: stdin reaches the task" "$(why)" '[ $RC = 0 ] && [ "$OUT" = "got from-stdin" ]'

# ---- a detached task: exec, ps, pause, resume, metrics, kill, delete -------------

e "${R[@]}" -d --memory-limit 67108864 --cpus 0.5 "$IMG" c1 sh -c 'trap "exit 42" TERM; sleep 1000 & wait'
check "run -d" "$(why)" '[ $RC = 0 ] && poll 25 is_status c1 RUNNING'
PID1=$(task_pid c1)
mem=$(cg_value memory "$PID1" memory.limit_in_bytes)
quota=$(cg_value cpu "$PID1" cpu.cfs_quota_us)
check "--memory-limit 64 MiB --cpus 0.5: in the cgroup files" "mem=$mem quota=$quota" \
  '[ "$mem" = 67108864 ] && [ "$quota" = 50000 ]'

e "${CTR[@]}" task exec --fifo-dir "$D/fifo" --exec-id x1 c1 sh -c 'echo exec-ok; exit 4'
check "task exec: output and exit code 4" "$(why)" '[ $RC = 4 ] && [ "$OUT" = exec-ok ]'
et "${CTR[@]}" task exec --fifo-dir "$D/fifo" -t --exec-id x2 c1 tty
check "task exec -t: a terminal" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"/dev/pts/"* ]]'
e "${CTR[@]}" task exec --fifo-dir "$D/fifo" -d --exec-id x3 c1 sleep 999
e "${CTR[@]}" task ps c1
check "task ps: the task's processes" "$(why) pid1=$PID1" '[ $RC = 0 ] && [[ $OUT == *"$PID1"* ]] && [ "$(printf "%s\n" "$OUT" | grep -c "^[0-9]")" -ge 2 ]'

e "${CTR[@]}" task pause c1
check "task pause: PAUSED, the freezer FROZEN" "$(why) status=$(task_status c1) freezer=$(cg_value freezer "$PID1" freezer.state)" \
  '[ $RC = 0 ] && is_status c1 PAUSED && [ "$(cg_value freezer "$PID1" freezer.state)" = FROZEN ]'
e "${CTR[@]}" task resume c1
check "task resume: RUNNING, THAWED" "$(why) status=$(task_status c1)" \
  '[ $RC = 0 ] && is_status c1 RUNNING && [ "$(cg_value freezer "$PID1" freezer.state)" = THAWED ]'

e "${CTR[@]}" task metrics c1
check "task metrics: the memory limit" "$(why)" '[ $RC = 0 ] && [[ $OUT == *67108864* ]]'

e "${CTR[@]}" task kill -s SIGTERM c1
check "task kill SIGTERM: STOPPED" "$(why) status=$(task_status c1)" '[ $RC = 0 ] && poll 50 is_status c1 STOPPED'
e "${CTR[@]}" task delete c1
d1=$RC
check "task delete: the exit status 42 of the SIGTERM trap" "$(why)" '[[ "$OUT $ERR" == *42* ]]'
e "${CTR[@]}" container delete c1
check "task delete, container delete" "task rc=$d1 $(why)" '[ $d1 = 0 ] && [ $RC = 0 ] && [ -z "$("${CTR[@]}" container ls -q | grep -x c1)" ]'

# ---- mounts, namespaces ----------------------------------------------------------

mkdir -p "$TMP/bind"
echo host-data >"$TMP/bind/in"
e "${R[@]}" --rm --mount "type=bind,src=$TMP/bind,dst=/data,options=rbind:rw" "$IMG" c-bind sh -c 'cat /data/in; echo w >/data/out'
check "--mount bind rw" "$(why)" '[ $RC = 0 ] && [ "$OUT" = host-data ] && [ "$(cat "$TMP/bind/out" 2>/dev/null)" = w ]'
e "${R[@]}" --rm --mount "type=bind,src=$TMP/bind,dst=/data,options=rbind:ro" "$IMG" c-bindro sh -c 'cat /data/in; echo x >/data/ro-out'
check "--mount bind ro" "$(why)" '[ $RC != 0 ] && [ ! -e "$TMP/bind/ro-out" ] && [[ $OUT == host-data* ]]'

e "${R[@]}" --rm --read-only "$IMG" c-ro sh -c 'touch /newfile 2>&1; echo rc=$?'
check "--read-only rootfs" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"Read-only file system"*rc=1 ]]'

e "${R[@]}" --rm --env FOO=bar --cwd /tmp "$IMG" c-env sh -c 'echo $(pwd):$FOO'
check "--env --cwd" "$(why)" '[ $RC = 0 ] && [ "$OUT" = /tmp:bar ]'

e "${R[@]}" --rm --cap-drop CAP_CHOWN "$IMG" c-capdrop sh -c 'chown 1000 /tmp 2>&1; echo rc=$?'
check "--cap-drop CAP_CHOWN: chown fails" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"not permitted"*rc=1 ]]'
e "${R[@]}" --rm --cap-add CAP_NET_ADMIN "$IMG" c-capadd grep CapEff /proc/self/status
check "--cap-add CAP_NET_ADMIN: in CapEff" "$(why)" '[ $RC = 0 ] && [ $(( 0x${OUT##*[[:space:]]} >> 12 & 1 )) = 1 ]'
e "${R[@]}" --rm --device /dev/zero "$IMG" c-dev sh -c 'head -c 3 /dev/zero | od -An -tx1'
check "--device /dev/zero" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"00 00 00"* ]]'

ip link add tongveth0 type veth peer name tongveth1
e "${R[@]}" --rm --net-host "$IMG" c-host ls /sys/class/net
check "--net-host" "$(why)" '[ $RC = 0 ] && [[ $OUT == *tongveth0* ]]'
ip link del tongveth0 2>/dev/null
e "${R[@]}" --rm "$IMG" c-nonet ls /sys/class/net
check "default: a new network namespace with only lo" "$(why)" '[ $RC = 0 ] && [ "$OUT" = lo ]'

unshare --net sh -c 'ip link add tongjoin0 type veth peer name tongjoin1; exec sleep 1000' &
NSPID=$!
DAEMON_PIDS+=("$NSPID")
poll 25 nsenter --net="/proc/$NSPID/ns/net" ip link show tongjoin0 >/dev/null 2>&1
e "${R[@]}" --rm --with-ns "network:/proc/$NSPID/ns/net" "$IMG" c-ns ls /sys/class/net
check "--with-ns network:PATH: joins that namespace" "$(why)" '[ $RC = 0 ] && [[ $OUT == *tongjoin0* ]]'

exit $FAILED
