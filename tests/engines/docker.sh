#!/bin/bash
# docker.io (dockerd, with its supervised containerd) with tong as a runtime:
# `dockerd --add-runtime tong=$TONG`, then `docker run --runtime tong`.
# dockerd gets a private --data-root, --exec-root, --pidfile, socket and
# config file under the temp dir, the cgroupfs driver, --iptables=false
# (published ports go through docker-proxy), and runs inside this script's
# network namespace, so docker0 and its veths exist only there.
. "$(dirname "$0")/lib.sh"

D=$TMP/docker
mkdir -p "$D"/{data,exec,cli}
echo '{}' >"$D/daemon.json"
DOCKERD=$(command -v dockerd)
# The client of the same package (another docker may come first in PATH).
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=$(command -v docker)
export DOCKER_CONFIG=$D/cli
export DOCKER_HOST=unix://$D/docker.sock
P=("$DOCKER")
RUN=(run --runtime tong)
IMG=tong-bb:latest

engine_cleanup() {
  local ids
  ids=$(timeout -k 5 30 "$DOCKER" ps -aq)
  [ -n "$ids" ] && timeout -k 5 60 "$DOCKER" rm -f $ids
  timeout -k 5 30 "$DOCKER" volume prune -f
  [ -n "${PID_dockerd:-}" ] && stop_pid "$PID_dockerd"
}

start_daemon dockerd "$D/dockerd.log" "$DOCKERD" \
  --config-file "$D/daemon.json" --data-root "$D/data" --exec-root "$D/exec" \
  --pidfile "$D/docker.pid" -H "$DOCKER_HOST" --iptables=false --ip6tables=false --ip-forward=false \
  --ip-masq=false --exec-opt native.cgroupdriver=cgroupfs --storage-driver overlay2 \
  --add-runtime "tong=$RUNTIME" --userland-proxy=true --cgroup-parent "/tong-docker-$ENGINE_RUN_TAG"
if ! poll 150 "$DOCKER" version >/dev/null 2>&1; then
  fail "dockerd: starts" "$(tail -c 400 "$D/dockerd.log")"
  exit 1
fi
pass "dockerd: starts (private root, exec-root, socket; --iptables=false)"

pid_of() { "$DOCKER" inspect --format '{{.State.Pid}}' "$1" 2>/dev/null; }
status_of() { "$DOCKER" inspect --format '{{.State.Status}}' "$1" 2>/dev/null; }
is_status() { [ "$(status_of "$1")" = "$2" ]; }
gone() { [ -z "$("$DOCKER" ps -aq --filter "name=^$1\$")" ]; }

if ! make_rootfs >"$TMP/rootfs.log" 2>&1; then
  fail "image: make the busybox rootfs" "$(head -c 300 "$TMP/rootfs.log")"
  exit 1
fi
e "$DOCKER" import --change 'CMD ["/bin/sh"]' "$TMP/rootfs.tar" "$IMG"
check "image: docker import of a busybox rootfs" "$(why)" '[ $RC = 0 ]'

# ---- foreground runs -----------------------------------------------------------

e "${P[@]}" "${RUN[@]}" --rm "$IMG" echo hello
check "run --rm echo" "$(why)" '[ $RC = 0 ] && [ "$OUT" = hello ]'

for code in 3 7; do
  e "${P[@]}" "${RUN[@]}" --rm "$IMG" sh -c "exit $code"
  check "run: exit code $code reaches the user" "$(why)" '[ $RC = $code ]'
done
# 137: the container's process killed by SIGKILL from outside (pid 1 of a
# pid namespace cannot be SIGKILLed from inside).
"${P[@]}" "${RUN[@]}" --rm --name fg "$IMG" sleep 1000 >"$TMP/fg.out" 2>&1 </dev/null &
FG=$!
poll 50 is_status fg running
e "${P[@]}" kill fg
wait $FG
RC=$?
check "run: exit code 137 (killed by SIGKILL) reaches the user" "rc=$RC $(head -c 200 "$TMP/fg.out")" '[ $RC = 137 ]'

e "${P[@]}" "${RUN[@]}" --rm "$IMG" sh -c 'ls /proc/$$/fd; true'
check "run: only fds 0 1 2 reach the container" "$(why)" '[ $RC = 0 ] && [ "$(echo $OUT)" = "0 1 2" ]'

et "${P[@]}" "${RUN[@]}" --rm -t "$IMG" sh -c 'tty; stty size'
check "run -t: a terminal" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"/dev/pts/"* ]]'

ei "line one
line two
" "${P[@]}" "${RUN[@]}" --rm -i "$IMG" sh -c 'wc -l; echo done'
check "run -i: stdin reaches the container" "$(why)" '[ $RC = 0 ] && [[ $OUT == *2*done* ]]'

e "${P[@]}" "${RUN[@]}" --rm --init "$IMG" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; cat /proc/$$/status | grep ^PPid'
check "run --init: pid 1 is the init, the command its child" "$(why)" '[ $RC = 0 ] && [[ $OUT == *init* ]] && [[ $OUT == *"PPid:"*1 ]]'

# ---- a detached container: exec, top, pause, update, stop ------------------------

e "${P[@]}" "${RUN[@]}" -d --name d1 "$IMG" sleep 1000
check "run -d" "$(why)" '[ $RC = 0 ] && poll 25 is_status d1 running'

e "${P[@]}" exec d1 sh -c 'echo in-$(hostname)'
check "exec: plain" "$(why)" '[ $RC = 0 ] && [[ $OUT == in-* ]]'
e "${P[@]}" exec d1 sh -c 'exit 5'
check "exec: exit code 5 reaches the user" "$(why)" '[ $RC = 5 ]'
et "${P[@]}" exec -t d1 tty
check "exec -t: a terminal" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"/dev/pts/"* ]]'
ei "from-stdin" "${P[@]}" exec -i d1 cat
check "exec -i: stdin" "$(why)" '[ $RC = 0 ] && [ "$OUT" = from-stdin ]'
e "${P[@]}" exec -d d1 sleep 999
poll 25 sh -c "'${P[*]}' top d1 2>/dev/null | grep -q 'sleep 999'" 2>/dev/null
e "${P[@]}" top d1
check "exec -d, then top shows both processes" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"sleep 1000"* ]] && [[ $OUT == *"sleep 999"* ]]'

PID1=$(pid_of d1)
e "${P[@]}" pause d1
check "pause: the freezer is FROZEN" "$(why) state=$(cg_value freezer "$PID1" freezer.state)" \
  '[ $RC = 0 ] && is_status d1 paused && [ "$(cg_value freezer "$PID1" freezer.state)" = FROZEN ]'
e "${P[@]}" unpause d1
check "unpause: THAWED" "$(why) state=$(cg_value freezer "$PID1" freezer.state)" \
  '[ $RC = 0 ] && is_status d1 running && [ "$(cg_value freezer "$PID1" freezer.state)" = THAWED ]'

e "${P[@]}" update --memory 96m --memory-swap 192m --cpus 0.25 d1
check "update --memory 96m --memory-swap 192m --cpus 0.25: in the cgroup files" \
  "$(why) mem=$(cg_value memory "$PID1" memory.limit_in_bytes) quota=$(cg_value cpu "$PID1" cpu.cfs_quota_us)" \
  '[ $RC = 0 ] && [ "$(cg_value memory "$PID1" memory.limit_in_bytes)" = $((96 << 20)) ] && [ "$(cg_value cpu "$PID1" cpu.cfs_quota_us)" = 25000 ]'

e "${P[@]}" stop -t 2 d1
check "stop" "$(why) status=$(status_of d1)" '[ $RC = 0 ] && is_status d1 exited'
e "${P[@]}" start d1
check "start again after stop" "$(why)" '[ $RC = 0 ] && poll 25 is_status d1 running'
e "${P[@]}" kill d1
k=$RC
e "${P[@]}" wait d1
check "kill, then wait reports 137" "kill rc=$k $(why)" '[ $k = 0 ] && [ "$OUT" = 137 ]'
e "${P[@]}" rm d1
check "rm" "$(why)" '[ $RC = 0 ] && poll 25 gone d1'

e "${P[@]}" "${RUN[@]}" -d --name d2 "$IMG" sh -c 'sleep 0.5; exit 9'
e "${P[@]}" wait d2
check "wait: the exit code of a detached container" "$(why)" '[ "$OUT" = 9 ]'
e "${P[@]}" rm d2

# Without a pid namespace of its own, stopping signals every process of
# the container's cgroup (kill --all).
e "${P[@]}" "${RUN[@]}" -d --name ph --pid host "$IMG" sh -c 'sleep 1001 & sleep 1002 & wait'
PH=$(pid_of ph)
poll 25 eval '[ "$(wc -l <"$(cg_file pids "$PH" cgroup.procs)" 2>/dev/null)" = 3 ]'
procs=$(cat "$(cg_file pids "$PH" cgroup.procs)" 2>/dev/null | tr '\n' ' ')
e "${P[@]}" stop -t 2 ph
check "--pid host: stop ends every process of the container" "$(why) procs=$procs" \
  '[ $RC = 0 ] && [ -n "$procs" ] && poll 25 all_gone $procs'
e "${P[@]}" rm -f ph

# ---- resources in the cgroup files ---------------------------------------------

e "${P[@]}" "${RUN[@]}" -d --name r1 --memory 64m --cpus 0.5 --pids-limit 50 "$IMG" sleep 1000
PIDR=$(pid_of r1)
mem=$(cg_value memory "$PIDR" memory.limit_in_bytes)
quota=$(cg_value cpu "$PIDR" cpu.cfs_quota_us)
period=$(cg_value cpu "$PIDR" cpu.cfs_period_us)
pids=$(cg_value pids "$PIDR" pids.max)
check "--memory 64m --cpus 0.5 --pids-limit 50: in the cgroup files" \
  "$(why) mem=$mem quota=$quota period=$period pids=$pids" \
  '[ $RC = 0 ] && [ "$mem" = 67108864 ] && [ "$quota" = 50000 ] && [ "$period" = 100000 ] && [ "$pids" = 50 ]'
e "${P[@]}" rm -f r1

# (docker refuses --memory below 6 MiB itself: no 512k case here)

# ---- mounts ------------------------------------------------------------------

mkdir -p "$TMP/bind"
echo host-data >"$TMP/bind/in"
e "${P[@]}" "${RUN[@]}" --rm -v "$TMP/bind:/data" "$IMG" sh -c 'cat /data/in; echo written >/data/out'
check "bind mount rw" "$(why)" '[ $RC = 0 ] && [ "$OUT" = host-data ] && [ "$(cat "$TMP/bind/out" 2>/dev/null)" = written ]'
e "${P[@]}" "${RUN[@]}" --rm -v "$TMP/bind:/data:ro" "$IMG" sh -c 'cat /data/in; echo x >/data/ro-out'
check "bind mount ro" "$(why)" '[ $RC != 0 ] && [ ! -e "$TMP/bind/ro-out" ] && [[ $OUT == host-data* ]]'

e "${P[@]}" "${RUN[@]}" --rm --read-only "$IMG" sh -c 'touch /newfile 2>&1; echo rc=$?'
r1=$RC o1=$OUT
e "${P[@]}" "${RUN[@]}" --rm --read-only --tmpfs /tmp "$IMG" sh -c 'touch /tmp/ok && echo tmp-writable'
check "--read-only (--tmpfs /tmp): / is read-only, /tmp writable" "first rc=$r1 $o1; $(why)" '[ $r1 = 0 ] && [[ $o1 == *"Read-only file system"*rc=1 ]] && [ $RC = 0 ] && [ "$OUT" = tmp-writable ]'

e "${P[@]}" "${RUN[@]}" --rm --tmpfs /scratch:size=1m "$IMG" sh -c 'grep " /scratch " /proc/mounts'
check "--tmpfs" "$(why)" '[ $RC = 0 ] && [[ $OUT == "tmpfs /scratch tmpfs"* ]]'

e "${P[@]}" volume create vol1
e "${P[@]}" "${RUN[@]}" --rm -v vol1:/v "$IMG" sh -c 'echo persisted >/v/f'
e "${P[@]}" "${RUN[@]}" --rm -v vol1:/v "$IMG" cat /v/f
check "named volume: data survives the container" "$(why)" '[ $RC = 0 ] && [ "$OUT" = persisted ]'

e "${P[@]}" "${RUN[@]}" --rm --device /dev/zero:/dev/myzero "$IMG" sh -c 'head -c 3 /dev/myzero | od -An -tx1'
check "--device" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"00 00 00"* ]]'

# ---- process settings ----------------------------------------------------------

e "${P[@]}" "${RUN[@]}" --rm --user 1000:1000 --workdir /tmp --env FOO=bar "$IMG" sh -c 'echo $(id -u):$(id -g):$(pwd):$FOO'
check "--user --workdir --env" "$(why)" '[ $RC = 0 ] && [ "$OUT" = 1000:1000:/tmp:bar ]'

e "${P[@]}" "${RUN[@]}" --rm --cap-drop all "$IMG" grep CapEff /proc/self/status
c1=$OUT
e "${P[@]}" "${RUN[@]}" --rm --cap-drop all --cap-add NET_ADMIN "$IMG" grep CapEff /proc/self/status
check "--cap-drop all / --cap-add NET_ADMIN: CapEff" "drop=$c1 add=$OUT" \
  '[ $RC = 0 ] && [[ $c1 == *0000000000000000 ]] && [[ $OUT == *0000000000001000 ]]'
e "${P[@]}" "${RUN[@]}" --rm --cap-drop CHOWN "$IMG" sh -c 'chown 1000 /tmp 2>&1; echo rc=$?'
check "--cap-drop CHOWN: chown fails" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"not permitted"*rc=1 ]]'

# ---- networks -------------------------------------------------------------------

e "${P[@]}" "${RUN[@]}" --rm --network none "$IMG" ls /sys/class/net
check "--network none: only lo" "$(why)" '[ $RC = 0 ] && [ "$OUT" = lo ]'

ip link add tongveth0 type veth peer name tongveth1
e "${P[@]}" "${RUN[@]}" --rm --network host "$IMG" ls /sys/class/net
check "--network host: sees this netns's links" "$(why)" '[ $RC = 0 ] && [[ $OUT == *tongveth0* ]]'
ip link del tongveth0 2>/dev/null

e "${P[@]}" "${RUN[@]}" -d --name nsc "$IMG" sleep 1000
e "${P[@]}" exec nsc readlink /proc/self/ns/net
ns1=$OUT
e "${P[@]}" "${RUN[@]}" --rm --network container:nsc "$IMG" readlink /proc/self/ns/net
check "--network container:NAME: joins that container's namespace" "$(why) first=$ns1" '[ $RC = 0 ] && [ -n "$ns1" ] && [ "$OUT" = "$ns1" ]'
e "${P[@]}" rm -f nsc

# The default bridge network: eth0 with an address (Docker sets it up from the prestart hook it injects, libnetwork-setkey).
e "${P[@]}" "${RUN[@]}" --rm "$IMG" ip -4 -o addr show eth0
check "default bridge network: eth0 has an address" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"inet "* ]]'

PORT=$(free_port)
e "${P[@]}" "${RUN[@]}" -d --name web -p "127.0.0.1:$PORT:80" "$IMG" httpd -f -p 80 -h /var/www
body=$(fetch_url "http://127.0.0.1:$PORT/index.html")
check "-p 127.0.0.1:$PORT:80: busybox httpd reached from loopback" "$(why) body=$body" '[ "$body" = "hello from tong" ]'
e "${P[@]}" rm -f web

exit $FAILED
