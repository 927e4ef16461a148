#!/bin/bash
# linux.namespaces: new namespaces, joining by path, user namespace id
# mappings, time namespace offsets, and bad paths.
. "$(dirname "$0")/lib.sh"

host_ns() { stat -L -c %i "/proc/self/ns/$1"; }

# set_ns DIR TYPE [PATH]: make sure namespace TYPE is in the list (with PATH).
set_ns() {
  local dir=$1 type=$2 path=${3-}
  if [ -n "$path" ]; then
    cfg "$dir" "(.linux.namespaces |= map(select(.type != \"$type\"))) | .linux.namespaces += [{type: \"$type\", path: $(jstr "$path")}]"
  else
    cfg "$dir" "(.linux.namespaces |= map(select(.type != \"$type\"))) | .linux.namespaces += [{type: \"$type\"}]"
  fi
}
del_ns() { cfg "$1" ".linux.namespaces |= map(select(.type != \"$2\"))"; }

t_new_namespaces() {
  make_bundle "$B" /bin/tinit ns || return
  set_ns "$B" cgroup || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  local t
  for t in pid mnt uts ipc net cgroup; do
    assert_ne "a new $t namespace" "$(kv $t)" "$(host_ns $t)"
  done
  assert_eq "the user namespace is the host's" "$(kv user)" "$(host_ns user)"
}

t_pid_one() {
  make_bundle "$B" /bin/tinit pid || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_kv "pid 1 in the new pid namespace" pid 1
  assert_kv "parent pid 0" ppid 0
}

t_no_net_ns() {
  make_bundle "$B" /bin/tinit ns || return
  del_ns "$B" network || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_kv "without a network entry the host's is kept" net "$(host_ns net)"
}

# no_mnt_ns DIR: drop the mount namespace and what needs one.
no_mnt_ns() {
  del_ns "$1" mount && cfg "$1" '.linux.maskedPaths = [] | .linux.readonlyPaths = [] | del(.linux.rootfsPropagation)'
}

# config-linux.md: without a "mount" entry the container inherits the
# runtime's mount namespace.  Its root is still root.path (a chroot), its
# mounts land in the runtime's namespace, and delete removes exactly those
# (the validation suite's linux_ns_itype).
t_no_mount_ns() {
  make_bundle "$B" /bin/tinit sleep 100 || return
  no_mnt_ns "$B" || return
  mkdir -p "$B/rootfs/mnt/pre"
  mount -t tmpfs pre "$B/rootfs/mnt/pre" || { bail "mount" "tmpfs on mnt/pre"; return; }
  defer "umount -l $B/rootfs/mnt/pre"
  tong run -d --bundle "$B" "$ID"
  assert_ok "run -d" || return
  wait_status running || { bail "running" "status $(state_of)"; return; }
  local pid
  pid=$(pid_of)
  assert_eq "the host's mount namespace" "$(stat -L -c %i "/proc/$pid/ns/mnt")" "$(host_ns mnt)"
  assert_eq "the root is the rootfs" "$(readlink "/proc/$pid/root")" "$B/rootfs"
  assert_true "its /proc is mounted in the host's namespace" findmnt -rn "$B/rootfs/proc"
  tong exec "$ID" /bin/tinit stat /bin/tinit
  assert_ok "exec sees the rootfs" || return
  tong exec "$ID" /bin/tinit cwd
  assert_kv "exec's cwd inside the rootfs" cwd /
  local epid
  tong exec -d --pid-file "$T/epid" "$ID" /bin/tinit sleep 100
  assert_ok "exec -d" || return
  epid=$(cat "$T/epid")
  assert_eq "exec's root is the rootfs" "$(readlink "/proc/$epid/root")" "$B/rootfs"
  kill -9 "$epid"
  tong delete --force "$ID"
  assert_ok "delete --force" || return
  assert_eq "delete unmounted the container's mounts only" \
    "$(findmnt -rn -o TARGET | grep -F "$B/rootfs" | tr '\n' ' ')" "$B/rootfs/mnt/pre "
}

# A create that fails after the mounts were made leaves none behind.
t_no_mount_ns_failed_create() {
  make_bundle "$B" /bin/tinit true || return
  no_mnt_ns "$B" && cfg "$B" '.hooks.createRuntime = [{path: "/bin/false"}]' || return
  tong create --bundle "$B" "$ID"
  assert_exit "a failing createRuntime hook fails create" 1
  assert_clean "no mount, process or state left"
}

# Masks, read-only paths, rootfsPropagation and root.readonly would change
# the runtime's own mounts without a mount namespace: refused.
t_no_mount_ns_refusals() {
  local expr
  for expr in '.linux.maskedPaths = ["/proc/kcore"]' '.linux.readonlyPaths = ["/proc/sys"]' \
    '.linux.rootfsPropagation = "private"' '.root.readonly = true'; do
    make_bundle "$B" /bin/tinit true || return
    no_mnt_ns "$B" && cfg "$B" "$expr" || return
    tong create --bundle "$B" "$ID"
    assert_exit "refused: $expr" 1
    assert_contains "the error names the mount namespace ($expr)" "$ERR" 'needs a "mount" entry in linux.namespaces'
    assert_clean "nothing left ($expr)"
    rm -rf "$B"
  done
}

t_net_lo_only() {
  make_bundle "$B" /bin/tinit cat /proc/net/dev || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  local ifs
  ifs=$(printf '%s\n' "$OUT" | awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' | tr '\n' ' ')
  assert_eq "only lo in a new network namespace" "$ifs" "lo "
  args "$B" /bin/busybox ip -o link show lo
  tong run --bundle "$B" "$ID"
  assert_ok "ip link inside" || return
  assert_match "lo is up in the new network namespace (as runc sets it)" "$OUT" '<[^>]*\bUP\b'
}

t_uts() {
  make_bundle "$B" /bin/tinit hostname || return
  cfg "$B" '.hostname = "in-uts-ns"' || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_kv "hostname inside" hostname in-uts-ns
  assert_ne "the host keeps its hostname" "$(hostname)" in-uts-ns
}

t_cgroup_ns() {
  make_bundle "$B" /bin/tinit cat /proc/self/cgroup || return
  set_ns "$B" cgroup || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_eq "every cgroup path is / inside a cgroup namespace" \
    "$(printf '%s\n' "$OUT" | awk -F: 'NF >= 3 && $3 != "/"' | head -n 3)" ""
}

t_join_netns_path() {
  touch "$T/netns"
  if ! unshare --net="$T/netns" true 2>"$T/unshare.err"; then
    bail "make a network namespace" "$(cat "$T/unshare.err")"
    return
  fi
  defer "umount -l $T/netns"
  local want
  want=$(stat -L -c %i "$T/netns")
  make_bundle "$B" /bin/tinit ns || return
  set_ns "$B" network "$T/netns" || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_kv "joined the namespace at the path" net "$want"
  assert_true "the namespace file is still mounted after the container" mountpoint -q "$T/netns"
}

t_join_pid_ns_of_container() {
  make_bundle "$B" /bin/tinit sleep 100 || return
  tong run -d --bundle "$B" "$ID"
  assert_ok "run -d the first container" || return
  local pid
  pid=$(pid_of)
  [ -n "$pid" ] || { bail "first container pid" "state has no pid"; return; }
  make_bundle "$T/b2" /bin/tinit ns -- echo -- pid || return
  set_ns "$T/b2" pid "/proc/$pid/ns/pid" || return
  tong run --bundle "$T/b2" "$ID-b"
  assert_ok "run a second one in its pid namespace" || return
  assert_kv "same pid namespace" pid "$(stat -L -c %i "/proc/$pid/ns/pid")"
  local inner
  inner=$(printf '%s\n' "$OUT" | sed -n '/^$/,$p' | grep -m1 '^pid=' | cut -d= -f2)
  assert_match "not pid 1 there" "$inner" '^([2-9]|[1-9][0-9]+)$'
}

t_bad_ns_path() {
  make_bundle "$B" /bin/tinit true || return
  set_ns "$B" network "/proc/$$/ns/uts" || return
  tong create --bundle "$B" "$ID"
  assert_fails "a uts namespace file given for network fails"
  assert_clean "nothing left"
  echo notans >"$T/notns"
  set_ns "$B" network "$T/notns" || return
  tong create --bundle "$B" "$ID"
  assert_fails "a regular file as a namespace path fails"
  assert_clean "nothing left after the regular file"
  set_ns "$B" network "$T/does-not-exist" || return
  tong create --bundle "$B" "$ID"
  assert_fails "a missing namespace path fails"
  assert_contains "the error names the path" "$ERR" "$T/does-not-exist"
  assert_clean "nothing left after the missing path"
}

t_userns() {
  make_bundle "$B" /bin/tinit ids -- sleep 100 || return
  set_ns "$B" user || return
  cfg "$B" '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
          | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]' || return
  tong_to "$T/ctr.out" run -d --bundle "$B" "$ID"
  assert_ok "run -d in a user namespace" || return
  assert_status "running" running || return
  wait_file "$T/ctr.out" || true
  local out pid
  out=$(cat "$T/ctr.out")
  assert_kv "uid 0 inside" uid 0 "$out"
  assert_kv "gid 0 inside" gid 0 "$out"
  pid=$(pid_of)
  assert_eq "host uid of the process" "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" 100000
  assert_eq "host gid of the process" "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" 100000
  assert_eq "uid_map" "$(awk '{print $1, $2, $3}' "/proc/$pid/uid_map")" "0 100000 65536"
  assert_eq "gid_map" "$(awk '{print $1, $2, $3}' "/proc/$pid/gid_map")" "0 100000 65536"
  assert_ne "a new user namespace" "$(stat -L -c %i "/proc/$pid/ns/user")" "$(host_ns user)"
}

# Two user-namespaced containers with cgroup namespaces at once, with other
# mappings: the second cannot share the first's cgroup superblocks (the
# kernel says EBUSY), and tong binds its own cgroup instead.
t_two_userns() {
  local i
  for i in 1 2; do
    make_bundle "$B$i" /bin/tinit sleep 100 || return
    set_ns "$B$i" user || return
    cfg "$B$i" '.linux.uidMappings = [{containerID: 0, hostID: $h, size: 65536}]
            | .linux.gidMappings = [{containerID: 0, hostID: $h, size: 65536}]' --argjson h $((100000 + i * 100000)) || return
    jq -e '.linux.namespaces[] | select(.type == "cgroup")' "$B$i/config.json" >/dev/null || set_ns "$B$i" cgroup || return
    tong run -d --bundle "$B$i" "$ID-$i"
    assert_ok "container $i in its own user and cgroup namespaces" || return
  done
  for i in 1 2; do
    tong exec "$ID-$i" /bin/tinit cat /proc/self/cgroup
    assert_ok "exec in container $i" || return
    assert_match "container $i sees its cgroup as the root" "$OUT" '^0::/$'
    tong exec "$ID-$i" /bin/tinit ls /sys/fs/cgroup/pids
    assert_contains "container $i has its pids hierarchy mounted" "$OUT" "pids.max"
  done
  for i in 1 2; do tong delete --force "$ID-$i"; done
}

# Kubernetes pods with user namespaces: a container joins the pod's user
# namespace by path and makes its own pid and mount namespaces, which the
# joined user namespace must own (else mounts fail with EPERM/EOVERFLOW).
t_join_userns() {
  make_bundle "$B" /bin/tinit ids -- pid -- exit 5 || return
  unshare --user /bin/sleep 100 </dev/null >/dev/null 2>&1 &
  local holder=$!
  defer "kill -9 $holder"
  local i
  for ((i = 0; i < 50; i++)); do
    [ "$(stat -L -c %i "/proc/$holder/ns/user" 2>/dev/null)" != "$(host_ns user)" ] && break
    sleep 0.1
  done
  echo "0 100000 65536" >"/proc/$holder/uid_map" && echo "0 100000 65536" >"/proc/$holder/gid_map" || {
    bail "map the holder's ids" "write uid_map failed"
    return
  }
  set_ns "$B" user "/proc/$holder/ns/user" || return
  set_ns "$B" pid || return
  cfg "$B" 'del(.linux.uidMappings) | del(.linux.gidMappings)
            | .mounts |= map(select(.type != "cgroup" and .type != "sysfs" and .type != "mqueue"))' || return
  tong run --bundle "$B" "$ID"
  assert_exit "run in a joined user namespace returns the exit code" 5 || return
  assert_kv "uid 0 inside" uid 0
  assert_kv "pid 1 in its own pid namespace" pid 1
  assert_clean "nothing left"
}

t_timens() {
  make_bundle "$B" /bin/tinit cat /proc/uptime || return
  set_ns "$B" time || return
  cfg "$B" '.linux.timeOffsets = {boottime: {secs: 86400}, monotonic: {secs: 7200}}' || return
  local before after inside
  before=$(cut -d' ' -f1 /proc/uptime)
  tong run --bundle "$B" "$ID"
  after=$(cut -d' ' -f1 /proc/uptime)
  assert_ok "run in a time namespace" || return
  inside=$(printf '%s\n' "$OUT" | awk '{print $1; exit}')
  assert_true "uptime inside is the host's plus 86400 s" \
    awk -v b="$before" -v a="$after" -v i="$inside" 'BEGIN { exit !(i >= b + 86400 && i <= a + 86400) }'
}

t_sysctl() {
  make_bundle "$B" /bin/tinit sysctl net.ipv4.ip_forward -- sysctl kernel.msgmax || return
  cfg "$B" '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "12345"}' || return
  local host_fwd host_msgmax
  host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
  host_msgmax=$(cat /proc/sys/kernel/msgmax)
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_kv "a net sysctl in the new network namespace" net.ipv4.ip_forward 1
  assert_kv "an ipc sysctl in the new ipc namespace" kernel.msgmax 12345
  assert_eq "the host's net sysctl is unchanged" "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
  assert_eq "the host's ipc sysctl is unchanged" "$(cat /proc/sys/kernel/msgmax)" "$host_msgmax"
}

run_test "new namespaces" t_new_namespaces
run_test "pid namespace" t_pid_one
run_test "no network namespace" t_no_net_ns
run_test "no mount namespace" t_no_mount_ns
run_test "no mount namespace: failed create" t_no_mount_ns_failed_create
run_test "no mount namespace: refused fields" t_no_mount_ns_refusals
run_test "network namespace" t_net_lo_only
run_test "uts namespace" t_uts
run_test "cgroup namespace" t_cgroup_ns
run_test "join netns by path" t_join_netns_path
run_test "join a container's pid namespace" t_join_pid_ns_of_container
run_test "bad namespace path" t_bad_ns_path
run_test "user namespace" t_userns
run_test "join a user namespace by path" t_join_userns
run_test "two user namespaces at once" t_two_userns
run_test "time namespace" t_timens
run_test "sysctl" t_sysctl
