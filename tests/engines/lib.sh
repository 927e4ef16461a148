# lib.sh: helpers for the engine tests (sourced by tests/engines/ENGINE.sh).
#
# Each engine script runs an engine (podman, Docker, containerd, buildah)
# with tong as its runtime, the way a user of that engine would, and prints
# one line per step: `ok engines: ENGINE: STEP` or
# `not ok engines: ENGINE: STEP: why`.
#
# Environment:
#   TONG=path        the runtime under test (default: the built ./tong; the
#                    engines need an absolute path).  TONG=/usr/sbin/runc
#                    runs the same scenarios with runc, for comparison.
#   ENGINE_TIMEOUT=s bound on one engine command (default 60)
#   ENGINE_LOG=file  log every runtime call (argv) to FILE, through a
#                    wrapper script around $TONG
#   (the temp dir is always /tmp/te-ENGINE.XXXXXX: short socket paths)
#   ENGINE_KEEP=1    keep the temp dir (daemon logs) after the run
#
# Isolation: the script re-runs itself as pid 1 of new pid, network and
# mount namespaces (unshare -p -n -m --mount-proc), with only lo up: bridges,
# veths, iptables rules, published ports and the engines' mounts exist only
# there, orphans are reparented to (and reaped by) the script, and whatever
# survives it dies with its pid namespace.  Daemons keep their state under
# the temp dir, and the /run dirs engines write to whatever their state dirs
# (netns files, shim sockets, ctr fifos, the runtime's default root) are
# private tmpfs mounts.  At the end every process still running in the
# namespace is killed by pid and reported; the outer part removes the
# cgroups the engine made (when empty) and compares the host's forwarding
# sysctls, links and iptables rules with what they were.

set -u
export LC_ALL=C

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ENGINE=${ENGINE:-$(basename "$0" .sh)}
TONG=${TONG:-$TOP/tong}
case $TONG in
  /*) ;;
  */*) TONG=$PWD/$TONG ;;
  *) TONG=$(command -v "$TONG" || echo "$TONG") ;;
esac
ENGINE_TIMEOUT=${ENGINE_TIMEOUT:-60}
export TONG ENGINE_TIMEOUT

pass() { echo "ok engines: $ENGINE: $1"; }
fail() { echo "not ok engines: $ENGINE: $1: $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-300)"; }

if [ "$(id -u)" != 0 ]; then
  echo "skip engines: $ENGINE: needs root"
  exit 0
fi

# The top cgroup (below each controller) the engine puts its containers in,
# named for this run, removed afterwards (Docker's --cgroup-parent,
# containerd's namespace).  podman's and buildah's cannot be chosen: their
# libpod_parent is shared with any other podman, and left alone.
ENGINE_RUN_TAG=${ENGINE_RUN_TAG:-$$}
export ENGINE_RUN_TAG
case $ENGINE in
  docker) ENGINE_CGROUPS="tong-docker-$ENGINE_RUN_TAG" ;;
  containerd) ENGINE_CGROUPS="tong-test-$ENGINE_RUN_TAG" ;;
  *) ENGINE_CGROUPS= ;;
esac

# The dirs in /run where engines (and runtimes) put things whatever their
# own state dirs are: shim sockets and ctr fifos (/run/containerd), plugin
# sockets (/run/docker), netns files (/run/netns), the default state of the
# runtime podman and buildah call without --root (/run/tong, /run/runc).
PRIVATE_RUN_DIRS="/run/containerd /run/docker /run/containers /run/crun /run/libpod /run/netns /run/tong /run/runc"

# ---- outer part: snapshot the host, run the inner part, compare -------------

# One line per fact: the forwarding sysctls' values, each link and iptables
# rule.  Other work on the machine may remove entries meanwhile:
# only changed sysctls and added entries count.
host_snapshot() {
  local f
  for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding \
    /proc/sys/net/ipv4/conf/all/route_localnet /proc/sys/net/bridge/bridge-nf-call-iptables; do
    [ -r "$f" ] && echo "$f=$(cat "$f")"
  done
  ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print "link " $2}'
  if command -v iptables-save >/dev/null 2>&1; then
    iptables-save 2>/dev/null | grep -v '^[#:*]' | grep -v '^COMMIT' | sed 's/^/iptables /'
  fi
}

if [ -z "${TONG_ENGINE_INNER:-}" ]; then
  if [ ! -x "$TONG" ]; then
    echo "not ok engines: $ENGINE: runtime $TONG not found or not executable"
    exit 1
  fi
  for tool in unshare ip busybox jq timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "not ok engines: $ENGINE: missing tool $tool (run contrib/install-deps.sh)"
      exit 1
    fi
  done
  if ldd "$(command -v busybox)" >/dev/null 2>&1; then
    echo "not ok engines: $ENGINE: busybox is not static (install busybox-static)"
    exit 1
  fi
  before=$(host_snapshot)
  # The inner part mounts a tmpfs on each of these (made when missing, and
  # then removed afterwards when left empty).
  new_dirs=()
  for d in $PRIVATE_RUN_DIRS; do
    [ -e "$d" ] || new_dirs+=("$d")
  done
  start=$(date +%s)
  # A timeout's SIGTERM reaches the inner script too (the same process
  # group): wait for its cleanup, then check the host.
  trap 'echo "# engines: $ENGINE: terminated"' TERM INT HUP
  TONG_ENGINE_INNER=1 unshare --pid --fork --mount-proc --net --mount --propagation private -- bash "$0" "$@"
  rc=$?
  left=()
  for c in $([ -z "$ENGINE_CGROUPS" ] || ls -d /sys/fs/cgroup/*/"$ENGINE_CGROUPS" 2>/dev/null); do
    # Processes killed last may take a moment to leave their cgroups.
    for ((i = 0; i < 25; i++)); do
      [ -d "$c" ] || break
      find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
      sleep 0.2
    done
    [ -d "$c" ] && left+=("$c")
  done
  if [ -z "$ENGINE_CGROUPS" ]; then
    :
  elif [ ${#left[@]} = 0 ]; then
    pass "cleanup: the engine's cgroups are gone"
  else
    fail "cleanup: the engine's cgroups are gone" "still there (not empty): ${left[*]}"
    rc=1
  fi
  for d in "${new_dirs[@]}"; do
    [ -d "$d" ] && find "$d" -depth -type d -empty -delete 2>/dev/null
  done
  after=$(host_snapshot)
  added=$(comm -13 <(sort <<<"$before") <(sort <<<"$after") | tr '\n' ' ')
  if [ -z "$added" ]; then
    pass "host: unchanged (forwarding sysctls, links, iptables rules)"
  else
    fail "host: unchanged" "new or changed: $added"
    # Put the forwarding sysctls back.
    while IFS='=' read -r k v; do
      case $k in /proc/sys/*) [ "$(cat "$k")" = "$v" ] || echo "$v" >"$k" ;; esac
    done <<<"$before"
    rc=1
  fi
  echo "# engines: $ENGINE: $(($(date +%s) - start)) s"
  exit $rc
fi

# ---- inner part: in the test's own network and mount namespaces -------------

ip link set lo up
for d in $PRIVATE_RUN_DIRS; do
  mkdir -p "$d" && mount -t tmpfs -o mode=0755 tmpfs "$d" || {
    echo "not ok engines: $ENGINE: a private tmpfs on $d"
    exit 1
  }
done

# Directly under /tmp, whatever TONG_TEST_TMP says: conmon's attach and
# control sockets live below podman's run root, and a unix socket path
# longer than sun_path (108 bytes) made every podman run wait for its
# attach timeout (a 28 s script took over 7 minutes under run-all's longer
# temp dir).
TMP=$(mktemp -d "/tmp/te-$ENGINE.XXXXXX")
chmod 0755 "$TMP"
FAILED=0
DAEMON_PIDS=()

# The runtime the engine calls: $TONG, or a wrapper that logs argv.
RUNTIME=$TONG
if [ -n "${ENGINE_LOG:-}" ]; then
  RUNTIME=$TMP/runtime-log
  cat >"$RUNTIME" <<EOF
#!/bin/sh
echo "\$\$ \$*" >>"$ENGINE_LOG"
exec "$TONG" "\$@"
EOF
  chmod 0755 "$RUNTIME"
fi

# check STEP WHY-IF-FALSE CONDITION: one result line; CONDITION is shell
# code (single-quoted by the caller, so `&&` and [[ ]] stay inside), WHY is
# expanded before it runs.
check() {
  local step=$1 why=$2
  if eval "$3"; then
    pass "$step"
  else
    fail "$step" "$why"
    FAILED=1
  fi
}

# e CMD...: run an engine command, bounded, stdin from /dev/null; sets RC,
# OUT (stdout) and ERR (stderr).  Every call is logged in $TMP/cmds.log.
E_N=0
e() {
  E_N=$((E_N + 1))
  echo "+ $*" >>"$TMP/cmds.log"
  timeout -k 5 "$ENGINE_TIMEOUT" "$@" >"$TMP/e.$E_N.out" 2>"$TMP/e.$E_N.err" </dev/null
  RC=$?
  OUT=$(tr -d '\0\r' <"$TMP/e.$E_N.out")
  ERR=$(tr -d '\0' <"$TMP/e.$E_N.err")
  { echo "rc=$RC"; head -c 2000 "$TMP/e.$E_N.out"; head -c 2000 "$TMP/e.$E_N.err"; } >>"$TMP/cmds.log"
  return $RC
}

# ei INPUT CMD...: like e, with INPUT on stdin.
ei() {
  local input=$1
  shift
  E_N=$((E_N + 1))
  echo "+ $* <<< $input" >>"$TMP/cmds.log"
  printf '%s' "$input" | timeout -k 5 "$ENGINE_TIMEOUT" "$@" >"$TMP/e.$E_N.out" 2>"$TMP/e.$E_N.err"
  RC=$?
  OUT=$(tr -d '\0\r' <"$TMP/e.$E_N.out")
  ERR=$(tr -d '\0' <"$TMP/e.$E_N.err")
  { echo "rc=$RC"; head -c 2000 "$TMP/e.$E_N.out"; head -c 2000 "$TMP/e.$E_N.err"; } >>"$TMP/cmds.log"
  return $RC
}

# et CMD...: like e, on a terminal (script(1) makes the pty).
et() {
  local cmd
  printf -v cmd '%q ' "$@"
  E_N=$((E_N + 1))
  echo "+ (tty) $*" >>"$TMP/cmds.log"
  timeout -k 5 "$ENGINE_TIMEOUT" script -qefc "$cmd" /dev/null >"$TMP/e.$E_N.out" 2>"$TMP/e.$E_N.err" </dev/null
  RC=$?
  OUT=$(tr -d '\0\r' <"$TMP/e.$E_N.out")
  ERR=$(tr -d '\0' <"$TMP/e.$E_N.err")
  { echo "rc=$RC"; head -c 2000 "$TMP/e.$E_N.out"; head -c 2000 "$TMP/e.$E_N.err"; } >>"$TMP/cmds.log"
  return $RC
}

# why: the last command's exit code and the start of its stderr.
why() { echo "rc=$RC out=$(printf '%s' "$OUT" | head -c 120) err=$(printf '%s' "$ERR" | head -c 200)"; }

# poll N CMD...: run CMD every 0.2 s until it succeeds, at most N times.
poll() {
  local n=$1 i
  shift
  for ((i = 0; i < n; i++)); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

# all_gone PID...: 0 when none of them is alive (a zombie counts as gone).
all_gone() {
  local p st
  for p; do
    st=$(awk '{ sub(/^[0-9]+ \(.*\) /, ""); print $1 }' "/proc/$p/stat" 2>/dev/null)
    [ -z "$st" ] || [ "$st" = Z ] || return 1
  done
  return 0
}

# A busybox rootfs: $TMP/rootfs, and as a tarball $TMP/rootfs.tar (for
# `podman import` / `docker import`).  /var/www/index.html for httpd.
make_rootfs() {
  local r=$TMP/rootfs
  mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp,root,home/app,var/www,data}
  chmod 1777 "$r/tmp"
  cp "$(command -v busybox)" "$r/bin/busybox"
  chroot "$r" /bin/busybox --install -s /bin || return 1
  cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  printf 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' >"$r/etc/group"
  chown 1000:1000 "$r/home/app"
  echo "hello from tong" >"$r/var/www/index.html"
  tar -C "$r" -cf "$TMP/rootfs.tar" .
}

# The same rootfs as an OCI image layout ($TMP/oci, tag bb) and archive
# ($TMP/bb-oci.tar), made with umoci (and skopeo for the archive).
make_oci() {
  local b=$TMP/umoci-bundle
  command -v umoci >/dev/null || { echo "umoci missing"; return 1; }
  umoci init --layout "$TMP/oci" || return 1
  umoci new --image "$TMP/oci:bb" || return 1
  umoci unpack --image "$TMP/oci:bb" "$b" || return 1
  cp -a "$TMP/rootfs/." "$b/rootfs/" || return 1
  umoci repack --image "$TMP/oci:bb" "$b" || return 1
  umoci config --image "$TMP/oci:bb" --config.cmd /bin/sh \
    --config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin || return 1
  rm -rf "$b"
  if command -v skopeo >/dev/null; then
    skopeo --insecure-policy copy "oci:$TMP/oci:bb" "oci-archive:$TMP/bb-oci.tar:localhost/bb:latest" || return 1
  else
    tar -C "$TMP/oci" -cf "$TMP/bb-oci.tar" . || return 1
  fi
}

# cg_file CONTROLLER PID FILE: the path of FILE in the v1 cgroup of PID.
cg_file() {
  local path
  path=$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$2/cgroup")
  echo "/sys/fs/cgroup/$1$path/$3"
}

# cg_value CONTROLLER PID FILE: its content (empty when unreadable).
cg_value() { cat "$(cg_file "$@")" 2>/dev/null; }

# free_port: a TCP port nothing listens on in this netns.
free_port() {
  local p
  for p in 18080 18081 18082 18083 18084 18085; do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  echo 18089
}

# fetch_url URL: the body (curl, else busybox wget), retried while the
# server comes up.
fetch_url() {
  local i
  for ((i = 0; i < 25; i++)); do
    if command -v curl >/dev/null; then
      curl -fsS --max-time 3 "$1" 2>/dev/null && return 0
    else
      busybox wget -q -T 3 -O - "$1" 2>/dev/null && return 0
    fi
    sleep 0.2
  done
  return 1
}

# start_daemon NAME LOG CMD...: start a daemon in the background, record its
# pid; the caller polls for readiness.
start_daemon() {
  local name=$1 log=$2
  shift 2
  echo "+ daemon $name: $*" >>"$TMP/cmds.log"
  "$@" >"$log" 2>&1 </dev/null &
  DAEMON_PIDS+=("$!")
  eval "PID_$name=$!"
}

# stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# descendants PID: every process below PID (via the parent links).
descendants() {
  local root=$1
  awk -v root="$root" '
    FNR == 1 {
      s = $0; sub(/^[0-9]+ \(.*\) /, "", s); split(s, f, " ")
      pid = FILENAME; sub(/^\/proc\//, "", pid); sub(/\/stat$/, "", pid)
      parent[pid] = f[2]
    }
    END {
      for (p in parent) {
        q = p; n = 0
        while (q in parent && q != root && n++ < 64) q = parent[q]
        if (q == root && p != root) print p
      }
    }' /proc/[0-9]*/stat 2>/dev/null
}

# engine_cleanup is the engine script's own (remove containers, stop its
# daemons); then this kills what is left in the pid namespace (this shell
# is its pid 1) and removes the temp dir.
engine_cleanup() { :; }
TERMINATED=
_final_cleanup() {
  local pid left=() cg
  # Terminated (a timeout, which kills for good 10 s later): no graceful
  # engine cleanup, everything in the pid namespace is killed below; the
  # state is under $TMP and the private /run dirs.
  if [ -z "$TERMINATED" ]; then
    engine_cleanup >>"$TMP/cleanup.log" 2>&1
    for pid in "${DAEMON_PIDS[@]}"; do
      stop_pid "$pid"
    done
  fi
  for pid in $(descendants $$); do
    [ "$pid" = $$ ] && continue
    [ "$pid" = "$BASHPID" ] && continue
    all_gone "$pid" && continue
    left+=("$pid:$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-60)")
    kill -KILL "$pid" 2>/dev/null
  done
  if [ -n "$TERMINATED" ]; then
    fail "cleanup: terminated" "killed ${#left[@]} processes"
  elif [ ${#left[@]} = 0 ]; then
    pass "cleanup: no process left"
  else
    fail "cleanup: no process left" "killed ${left[*]}"
  fi
  findmnt -rn -o TARGET | grep -F "$TMP" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  if [ -n "${ENGINE_KEEP:-}" ]; then
    echo "# kept $TMP"
  else
    rm -rf --one-file-system "$TMP"
  fi
}
trap _final_cleanup EXIT
# A timeout's SIGTERM (sent to the whole process group) still cleans up.
trap 'TERMINATED=1; exit 143' TERM INT HUP
