#!/bin/bash
# tong beside runc and crun (Debian's), and beside the floor (bench/floor.c:
# clone + pivot_root + exec), on every lifecycle operation.  Runtimes run
# interleaved in one session; the table gives medians and ratios to tong.
#
#   sudo bash bench/bench.sh [ITERATIONS]      (default 15)
#
# crun refuses hybrid cgroup hosts, so everything runs in a private mount
# namespace where /sys/fs/cgroup/unified is unmounted: the same conditions for
# all runtimes.  Every container the script makes is deleted.
set -u
N=${1:-15}
TOP=$(cd "$(dirname "$0")/.." && pwd)
TONG=${TONG:-$TOP/tong}

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
RUNTIMES=(tong runc crun)
declare -A BIN=([tong]=$TONG [runc]=$(command -v runc) [crun]=$(command -v crun))
cleanup() {
  local r id
  for r in "${RUNTIMES[@]}"; do
    for id in $("${BIN[$r]}" --root "$W/root-$r" list -q 2>/dev/null); do
      "${BIN[$r]}" --root "$W/root-$r" delete --force "$id" >/dev/null 2>&1
    done
  done
  rm -rf --one-file-system "$W"
}
trap cleanup EXIT

for r in "${RUNTIMES[@]}"; do
  if [ ! -x "${BIN[$r]:-}" ]; then
    echo "bench.sh: $r not found (apt-get install runc crun; build tong first)" >&2
    exit 1
  fi
done
cc -O2 -o "$W/floor" "$TOP/bench/floor.c" && cc -O2 -o "$W/measure" "$TOP/bench/measure.c" || exit 1
M=$W/measure

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
    (rt "$r" create --bundle "$W/b" "p$i" && rt "$r" start "p$i") >/dev/null 2>&1 &
  done
  wait
  for i in $(seq 20); do rt "$r" delete --force "p$i" >/dev/null 2>&1 & done
  wait
}
export -f rt parallel20
export W
BINS_EXPORT=$(declare -p BIN)

for ((it = 1; it <= N; it++)); do
  printf '\riteration %d/%d' "$it" "$N" >&2
  rec run floor "$($M "$W/floor" "$W/b/rootfs" /bin/true)"
  for r in "${RUNTIMES[@]}"; do
    id=c$it
    use true
    rec run "$r" "$($M "${BIN[$r]}" --root "$W/root-$r" run --bundle "$W/b" "r$id")"
    rt "$r" delete --force "r$id" >/dev/null 2>&1
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
done
echo >&2

# median COL FILE
median() { cut -d' ' -f"$1" "$2" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
ms() { awk -v v="$1" 'BEGIN {printf "%.1f", v/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "-"}'; }

echo "tong bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), $N iterations, load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
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
echo "| peak RSS KiB (max over runs) | tong | runc | crun |"
echo "|---|---|---|---|"
for op in run create exec; do
  echo "| $op | $(cut -d' ' -f3 "$W/m.$op.tong" | sort -n | tail -1) | $(cut -d' ' -f3 "$W/m.$op.runc" | sort -n | tail -1) | $(cut -d' ' -f3 "$W/m.$op.crun" | sort -n | tail -1) |"
done
bad=$(for f in "$W"/m.*.*; do awk -v f="${f##*/m.}" '$4 != 0 {print f}' "$f"; done | sort | uniq -c | tr "\n" " ")
[ -z "$bad" ] || echo "warning: non-zero exits (count op.runtime): $bad"
