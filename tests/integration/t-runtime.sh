#!/bin/bash
# Runtime behaviour beyond the single verbs: run with the user's terminal,
# --no-pivot, root.path ".", annotations in the state, ps, and many tong
# processes at once on one state root.
. "$(dirname "$0")/lib.sh"

# run -t without --console-socket connects the caller's terminal, as runc.
t_run_terminal() {
  command -v script >/dev/null || { echo "skip $AREA: $TEST_NAME: no script(1)"; return; }
  make_bundle "$B" /bin/tinit tty || return
  cfg "$B" '.process.terminal = true' || return
  sh_run script -qfec "$TONG --root $ROOT run --bundle $B $ID" /dev/null
  assert_ok "run in a terminal" || return
  assert_contains "stdin is a terminal inside" "$OUT" "isatty0=1"
  assert_contains "stdout is a terminal inside" "$OUT" "isatty1=1"
  assert_clean "nothing left"
}

t_no_pivot() {
  make_bundle "$B" /bin/tinit cat /etc/passwd -- cwd || return
  tong run --no-pivot --bundle "$B" "$ID"
  assert_ok "run --no-pivot" || return
  assert_contains "the container sees its own /etc/passwd" "$OUT" "/home/user"
  assert_kv "cwd is /" cwd /
  assert_clean "nothing left"
}

# The validation suite's bundles use root.path "." (the bundle is the root).
t_root_dot() {
  make_bundle "$B" /bin/tinit echo dot-root || return
  cfg "$B" '.root.path = "."' || return
  mv "$B/config.json" "$B/rootfs/config.json"
  tong run --bundle "$B/rootfs" "$ID"
  assert_ok "run with root.path ." || return
  assert_contains "it ran" "$OUT" dot-root
}

t_annotations() {
  make_bundle "$B" /bin/tinit sleep 100 || return
  cfg "$B" '.annotations = {"org.example.key": "value", "io.kubernetes.cri.sandbox-id": "abc"}' || return
  tong create --bundle "$B" "$ID"
  assert_ok "create" || return
  tong state "$ID"
  assert_eq "annotation kept" "$(jq -r '.annotations["org.example.key"]' <<<"$OUT")" value
  assert_eq "second annotation kept" "$(jq -r '.annotations["io.kubernetes.cri.sandbox-id"]' <<<"$OUT")" abc
  assert_eq "ociVersion" "$(jq -r .ociVersion <<<"$OUT")" "$(jq -r .ociVersion "$B/config.json")"
  assert_eq "rootfs" "$(jq -r .rootfs <<<"$OUT")" "$B/rootfs"
  assert_match "created is RFC 3339" "$(jq -r .created <<<"$OUT")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
  tong delete --force "$ID"
}

t_ps() {
  make_bundle "$B" /bin/sh -c '/bin/tinit sleep 100 & /bin/tinit sleep 100; wait' || return
  tong run -d --bundle "$B" "$ID"
  assert_ok "run -d" || return
  wait_status running || { bail "running" "status $(state_of)"; return; }
  local pid i n=0
  pid=$(pid_of)
  # Wait (bounded) until the shell has forked its two children.
  for ((i = 0; i < 100; i++)); do
    tong ps --format json "$ID"
    n=$(jq length <<<"$OUT" 2>/dev/null || echo 0)
    [ "$n" -ge 3 ] && break
    sleep 0.1
  done
  assert_eq "ps --format json lists the three processes" "$n" 3
  assert_true "the init pid is listed" jq -e "index($pid)" <<<"$OUT"
  tong ps "$ID"
  assert_ok "ps table" || return
  assert_match "ps header" "$(head -n1 <<<"$OUT")" 'PID'
  assert_eq "ps table rows" "$(tail -n +2 <<<"$OUT" | wc -l)" 3
  tong ps "$ID" -o pid,comm
  assert_ok "ps with ps options" || return
  assert_contains "ps options reach ps(1)" "$OUT" tinit
  tong kill --all "$ID" KILL
  assert_status "kill --all stops it" stopped || return
  tong delete "$ID"
}

# Many tong processes on one root at once: every create succeeds or fails
# cleanly, the state stays readable, and delete removes them all.
t_concurrent() {
  make_bundle "$B" /bin/tinit sleep 100 || return
  local i pids=()
  for i in 1 2 3 4 5 6 7 8; do
    timeout 30 "$TONG" --root "$ROOT" create --bundle "$B" "$ID-$i" >"$T/c$i.out" 2>&1 </dev/null &
    pids+=($!)
  done
  # The same id twice at once: exactly one wins.
  timeout 30 "$TONG" --root "$ROOT" create --bundle "$B" "$ID-dup" >"$T/d1.out" 2>&1 </dev/null &
  local d1=$!
  timeout 30 "$TONG" --root "$ROOT" create --bundle "$B" "$ID-dup" >"$T/d2.out" 2>&1 </dev/null &
  local d2=$!
  local fails=0
  for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
  assert_eq "8 parallel creates succeed" "$fails" 0
  local r1=0 r2=0
  wait "$d1" || r1=1
  wait "$d2" || r2=1
  assert_eq "one of two creates of the same id fails" "$((r1 + r2))" 1
  tong list -q
  assert_eq "list shows 9 containers" "$(wc -l <<<"$OUT")" 9
  pids=()
  for i in 1 2 3 4 5 6 7 8; do
    timeout 30 "$TONG" --root "$ROOT" state "$ID-$i" >"$T/s$i.out" 2>&1 </dev/null &
    pids+=($!)
  done
  fails=0
  for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
  assert_eq "8 parallel states succeed" "$fails" 0
  assert_eq "a state says created" "$(jq -r .status "$T/s3.out")" created
  pids=()
  for i in 1 2 3 4 5 6 7 8 dup; do
    timeout 30 "$TONG" --root "$ROOT" delete --force "$ID-$i" >/dev/null 2>&1 </dev/null &
    pids+=($!)
  done
  fails=0
  for i in "${pids[@]}"; do wait "$i" || fails=$((fails + 1)); done
  assert_eq "9 parallel deletes succeed" "$fails" 0
  tong list -q
  assert_eq "nothing left in list" "$OUT" ""
}

# As runc: relative bind sources are relative to the bundle; relative --root
# and --pid-file stay relative to the caller's directory.
t_relative_paths() {
  make_bundle "$B" /bin/tinit cat /data/f || return
  mkdir -p "$B/data" && echo bundle-relative >"$B/data/f"
  cfg "$B" '.mounts += [{destination: "/data", type: "bind", source: "data", options: ["rbind", "ro"]}]' || return
  mkdir -p "$T/cwd"
  (cd "$T/cwd" && timeout 30 "$TONG" --root relroot run --pid-file rel.pid --bundle "$B" "$ID") >"$T/rel.out" 2>"$T/rel.err" </dev/null
  assert_eq "run exits 0" "$?" 0 || return
  assert_contains "the bind source was found in the bundle" "$(cat "$T/rel.out")" bundle-relative
  assert_true "the pid file is relative to the caller" test -s "$T/cwd/rel.pid"
  assert_true "the state root is relative to the caller" test -d "$T/cwd/relroot"
  assert_false "no state root in the bundle" test -e "$B/relroot"
}

run_test "run in a terminal" t_run_terminal
run_test "relative paths" t_relative_paths
run_test "--no-pivot" t_no_pivot
run_test "root.path ." t_root_dot
run_test "annotations" t_annotations
run_test "ps" t_ps
run_test "concurrent" t_concurrent
