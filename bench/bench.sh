#!/bin/bash
# tong beside runc and crun (Debian's), and beside the floor (bench/floor.c:
# clone + pivot_root + exec), on every lifecycle operation.  Runtimes run
# interleaved in one session; the table gives medians and ratios to tong.
#
#   sudo bash bench/bench.sh [ITERATIONS]      (default 15)
#
# crun refuses hybrid cgroup hosts, so everything runs in a private mount
# namespace where /sys/fs/cgroup/unified is unmounted: the same conditions for
# all runtimes (tong then sees a v1 host).  Every container the script makes
# is deleted, and so is any cgroup left under its names.
#
# Environment:
#   TONG=PATH          the tong to measure (default: the build in this tree)
#   TONG_STATIC=PATH   a stripped static tong; without it the script builds
#                      one (./configure --enable-static-binary) from a copy of
#                      this tree's tracked files; TONG_STATIC=none skips it
#   STATE_FS=tmpfs     where the bundle and the runtimes' --root live: a tmpfs
#                      (default; /run is one on an ordinary host) or `disk`
#                      (a directory under /tmp, whatever filesystem that is)
set -u
N=${1:-15}
TOP=$(cd "$(dirname "$0")/.." && pwd)
TONG=${TONG:-$TOP/tong}
STATE_FS=${STATE_FS:-tmpfs}

if [ "$(id -u)" != 0 ]; then
  echo "bench.sh: run as root" >&2
  exit 1
fi
if [ -z "${TONG_BENCH_INNER:-}" ]; then
  # A subreaper reaps the containers (PID 1 may not), inside a private mount ns.
  reaper=()
  [ -x "$TOP/tests/init/tinit" ] && reaper=("$TOP/tests/init/tinit" reap)
  exec unshare -m --propagation private env TONG_BENCH_INNER=1 "${reaper[@]}" bash "$0" "$@"
fi
if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi

W=$(mktemp -d /tmp/tong-bench.XXXXXX)
chmod 755 "$W"
# Container ids start with this: cleanup finds what is left by name.
P=tb$$-
RUNTIMES=(tong runc crun)
declare -A BIN=([tong]=$TONG [runc]=$(command -v runc) [crun]=$(command -v crun))
cleanup() {
  local r id d
  for r in "${RUNTIMES[@]}" tong-static; do
    [ -n "${BIN[$r]:-}" ] || continue
    for id in $("${BIN[$r]}" --root "$W/root-$r" list -q 2>/dev/null); do
      "${BIN[$r]}" --root "$W/root-$r" delete --force "$id" >/dev/null 2>&1
    done
  done
  # A cgroup a runtime failed to remove (deepest first).  With the unified
  # mount gone, crun 1.8.1 makes /sys/fs/cgroup/unified/ID/cgroup.procs as
  # plain files in the host's /sys/fs/cgroup tmpfs: those go too.
  for d in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name "$P*" 2>/dev/null | sort -r); do
    if [ "$(stat -f -c %T "$d")" = tmpfs ]; then
      rm -f "$d/cgroup.procs"
    else
      echo "bench.sh: removing a leftover cgroup $d" >&2
    fi
    rmdir "$d" 2>/dev/null || echo "bench.sh: cannot remove $d" >&2
  done
  if [ "$STATE_FS" = tmpfs ]; then
    umount -l "$W" 2>/dev/null
  fi
  rm -rf --one-file-system "$W"
}
trap cleanup EXIT
if [ "$STATE_FS" = tmpfs ]; then
  mount -t tmpfs -o mode=755 tong-bench "$W" || exit 1
fi

for r in "${RUNTIMES[@]}"; do
  if [ ! -x "${BIN[$r]:-}" ]; then
    echo "bench.sh: $r not found (apt-get install runc crun; build tong first)" >&2
    exit 1
  fi
done
cc -O2 -o "$W/floor" "$TOP/bench/floor.c" && cc -O2 -o "$W/measure" "$TOP/bench/measure.c" || exit 1
M=$W/measure

# The static binary: built from this tree's tracked files (as they are in the
# work tree), stripped.  Its build log stays in $W.
TONG_STATIC=${TONG_STATIC:-}
if [ -z "$TONG_STATIC" ]; then
  echo "building the static tong (log: bench-static.log)" >&2
  mkdir -p "$W/static"
  if (cd "$TOP" && git ls-files -z | xargs -0 cp --parents -t "$W/static") \
    && (cd "$W/static" && ./autogen.sh && ./configure --enable-static-binary && make -j"$(nproc)" tong) \
      >"$W/bench-static.log" 2>&1 \
    && strip -o "$W/tong-static" "$W/static/tong"; then
    TONG_STATIC=$W/tong-static
  else
    echo "bench.sh: the static build failed; see the log:" >&2
    tail -20 "$W/bench-static.log" >&2
    TONG_STATIC=none
  fi
fi
[ "$TONG_STATIC" = none ] || BIN[tong-static]=$TONG_STATIC
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# One bundle for all: busybox, tong's default config (no cgroup resources, so
# every runtime does the same work), no terminal.
mkdir -p "$W/b/rootfs/bin"
cp /bin/busybox "$W/b/rootfs/bin/"
for a in true sleep sh; do ln -s busybox "$W/b/rootfs/bin/$a"; done
(cd "$W/b" && "$TONG" spec) || exit 1
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"]' "$W/b/config.json" >"$W/true.json"
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/sleep", "1000"]' "$W/b/config.json" >"$W/sleep.json"
use() { cp "$W/$1.json" "$W/b/config.json"; }

# rec OP RUNTIME LINE: keep one measurement.
rec() { echo "$3" >>"$W/m.$1.$2"; }
rt() { local r=$1; shift; "${BIN[$r]}" --root "$W/root-$r" "$@"; }
wait_stopped() {
  local i
  for ((i = 0; i < 200; i++)); do
    [ "$(rt "$1" state "$2" 2>/dev/null | jq -r .status)" = stopped ] && return 0
    sleep 0.01
  done
}

parallel20() {
  local r=$1 i
  for i in $(seq 20); do
    (rt "$r" create --bundle "$W/b" "${P}p$i" && rt "$r" start "${P}p$i") >/dev/null 2>&1 &
  done
  wait
  for i in $(seq 20); do rt "$r" delete --force "${P}p$i" >/dev/null 2>&1 & done
  wait
}
export -f rt parallel20
export W P
BINS_EXPORT=$(declare -p BIN)

for ((it = 1; it <= N; it++)); do
  printf '\riteration %d/%d' "$it" "$N" >&2
  rec run floor "$($M "$W/floor" "$W/b/rootfs" /bin/true)"
  for r in "${RUNTIMES[@]}"; do
    id=${P}c$it
    use true
    rec run "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" run --bundle "$W/b" "${P}r$it")"
    rt "$r" delete --force "${P}r$it" >/dev/null 2>&1
    use sleep
    rec create "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" create --bundle "$W/b" "$id")"
    rec start "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" start "$id")"
    rec state "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" state "$id")"
    rec exec "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" exec "$id" /bin/true)"
    rec kill "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" kill "$id" KILL)"
    wait_stopped "$r" "$id"
    rec delete "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" delete "$id")"
    if ((it <= 5)); then
      use sleep
      rec parallel20 "$r" "$($M bash -c "$BINS_EXPORT; parallel20 $r")"
    fi
  done
  # The static tong, for its footprint: run and create, interleaved too.
  if [ -n "${BIN[tong-static]:-}" ]; then
    r=tong-static id=${P}s$it
    use true
    rec run "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" run --bundle "$W/b" "${id}r")"
    rt "$r" delete --force "${id}r" >/dev/null 2>&1
    use sleep
    rec create "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" create --bundle "$W/b" "$id")"
    rt "$r" delete --force "$id" >/dev/null 2>&1
  fi
done
echo >&2
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# median COL FILE
median() { cut -d' ' -f"$1" "$2" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
ms() { awk -v v="$1" 'BEGIN {printf "%.1f", v/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "-"}'; }

echo "tong bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), $N iterations, load $LOAD0 before, $LOAD1 after, $(nproc) cores, state on $STATE_FS ($(stat -f -c %T "$W/root-tong"))"
echo "tong $("$TONG" --version | head -1 | cut -d' ' -f3) ($("$TONG" --version | sed -n 's/^commit: //p')), $(runc --version | head -1), $(crun --version | head -1)"
echo
echo "| operation | tong wall ms | runc | crun | tong/runc | tong/crun | tong CPU ms | runc | crun | tong/crun CPU |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for op in run create start state exec kill delete parallel20; do
  declare -A wall=() cpu=()
  for r in "${RUNTIMES[@]}"; do
    wall[$r]=$(median 1 "$W/m.$op.$r")
    cpu[$r]=$(median 2 "$W/m.$op.$r")
  done
  echo "| $op | $(ms "${wall[tong]}") | $(ms "${wall[runc]}") | $(ms "${wall[crun]}") | $(ratio "${wall[tong]}" "${wall[runc]}") | $(ratio "${wall[tong]}" "${wall[crun]}") | $(ms "${cpu[tong]}") | $(ms "${cpu[runc]}") | $(ms "${cpu[crun]}") | $(ratio "${cpu[tong]}" "${cpu[crun]}") |"
done
fw=$(median 1 "$W/m.run.floor")
fc=$(median 2 "$W/m.run.floor")
echo
echo "floor (clone + pivot_root + exec /bin/true): wall $(ms "$fw") ms, CPU $(ms "$fc") ms; tong run / floor: wall $(ratio "$(median 1 "$W/m.run.tong")" "$fw"), CPU $(ratio "$(median 2 "$W/m.run.tong")" "$fc")"
echo
peak() { [ -s "$1" ] && cut -d' ' -f3 "$1" | sort -n | tail -1 || echo -; }
echo "| peak RSS KiB (max over runs) | tong | tong static | runc | crun | tong/crun |"
echo "|---|---|---|---|---|---|"
for op in run create exec; do
  echo "| $op | $(peak "$W/m.$op.tong") | $(peak "$W/m.$op.tong-static") | $(peak "$W/m.$op.runc") | $(peak "$W/m.$op.crun") | $(ratio "$(peak "$W/m.$op.tong")" "$(peak "$W/m.$op.crun")") |"
done
if [ -s "$W/m.run.tong-static" ]; then
  echo
  echo "tong static: run wall $(ms "$(median 1 "$W/m.run.tong-static")") ms, CPU $(ms "$(median 2 "$W/m.run.tong-static")") ms; create wall $(ms "$(median 1 "$W/m.create.tong-static")") ms, CPU $(ms "$(median 2 "$W/m.create.tong-static")") ms"
fi

# Binaries: size on disk, and the shared libraries each needs.
libs() { ldd "$1" 2>/dev/null | grep -c '=>' ; }
kib() { awk -v b="$(stat -L -c %s "$1")" 'BEGIN {printf "%.0f", b/1024}'; }
echo
echo "| binary | KiB | stripped KiB | shared libraries |"
echo "|---|---|---|---|"
for r in tong tong-static runc crun; do
  b=${BIN[$r]:-}
  [ -n "$b" ] || continue
  strip -o "$W/stripped" "$b" 2>/dev/null || cp "$b" "$W/stripped"
  echo "| $r | $(kib "$b") | $(kib "$W/stripped") | $(libs "$b") |"
done
bad=$(for f in "$W"/m.*.*; do awk -v f="${f##*/m.}" '$4 != 0 {print f}' "$f"; done | sort | uniq -c | tr "\n" " ")
[ -z "$bad" ] || echo "warning: non-zero exits (count op.runtime): $bad"
