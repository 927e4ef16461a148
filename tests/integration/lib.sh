# lib.sh: helpers for the integration tests (sourced by tests/integration/t-*.sh).
#
# Environment:
#   TONG=path       the runtime under test (default: the built ./tong); the
#                   same tests run against runc: TONG=/usr/sbin/runc
#   TINIT=path      the static test program (default: tests/init/tinit, or
#                   compiled from tests/init/tinit.c into a temp dir)
#   TEST_TIMEOUT=s  bound on one runtime command (default 30; state polls: 5)
#   TEST_FILTER=re  run only the tests whose name matches the regex
#   TONG_TEST_TMP=d where the temp dirs go (default /tmp)
#   TEST_VERBOSE=1  progress on stderr, and a failed cleanup's command log
#
# A test file defines functions and calls `run_test NAME FUNC`.  Each test
# runs in a subshell with its own temp dir $T, runtime root $ROOT, bundle
# dir $B and container id $ID; an EXIT trap deletes its containers, kills
# leftover processes by pid, unmounts anything under $T and removes $T.
# Every check prints `ok AREA: TEST: CHECK` or `not ok AREA: TEST: CHECK: why`.

set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AREA=$(basename "$0" .sh)
AREA=${AREA#t-}
TONG=${TONG:-$TOP/tong}
case $TONG in
  /*) ;;
  */*) TONG=$PWD/$TONG ;;
  *) TONG=$(command -v "$TONG" || echo "$TONG") ;;
esac
TEST_TIMEOUT=${TEST_TIMEOUT:-30}
TEST_FILTER=${TEST_FILTER:-}
export LC_ALL=C

if [ "$(id -u)" != 0 ]; then
  echo "skip $AREA: integration tests need root"
  exit 0
fi

# The static test program: the one make built, else compile it once per file.
if [ -z "${TINIT:-}" ]; then
  if [ -x "$TOP/tests/init/tinit" ] && [ ! "$TOP/tests/init/tinit.c" -nt "$TOP/tests/init/tinit" ]; then
    TINIT=$TOP/tests/init/tinit
  else
    TINIT_TMPDIR=$(mktemp -d "${TONG_TEST_TMP:-/tmp}/tong-tinit.XXXXXX")
    if ! cc -O2 -static -o "$TINIT_TMPDIR/tinit" "$TOP/tests/init/tinit.c" 2>"$TINIT_TMPDIR/cc.log"; then
      echo "not ok $AREA: compile tests/init/tinit.c: $(head -c 300 "$TINIT_TMPDIR/cc.log")"
      rm -rf "$TINIT_TMPDIR"
      exit 1
    fi
    TINIT=$TINIT_TMPDIR/tinit
    export TINIT_TMPDIR
  fi
  export TINIT
fi

# Run the whole file under a child subreaper: containers whose parent exits
# (create, run -d) are reparented to it and reaped; PID 1 here does not.
if [ -z "${TONG_TEST_REAPER:-}" ]; then
  export TONG_TEST_REAPER=$$
  exec "$TINIT" reap bash "$0" "$@"
fi

for tool in jq busybox findmnt timeout; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "not ok $AREA: missing tool $tool (run contrib/install-deps.sh)"
    exit 1
  fi
done
if [ ! -x "$TONG" ]; then
  echo "not ok $AREA: runtime $TONG not found or not executable"
  exit 1
fi
BUSYBOX=$(command -v busybox)
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "not ok $AREA: $BUSYBOX is not static (install busybox-static)"
  exit 1
fi

SUITE_TMP=$(mktemp -d "${TONG_TEST_TMP:-/tmp}/tong-it.XXXXXX")
# Traversable by the mapped ids of a user-namespaced container.
chmod 0755 "$SUITE_TMP"
TEST_SEQ=0
TEMPLATE=$SUITE_TMP/template

suite_cleanup() {
  # Nothing should be mounted here; never let rm cross into a mount.
  findmnt -rn -o TARGET | grep -F "$SUITE_TMP" | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null
  done
  rm -rf --one-file-system "$SUITE_TMP"
  if [ -n "${TINIT_TMPDIR:-}" ]; then
    rm -rf "$TINIT_TMPDIR"
  fi
}
trap suite_cleanup EXIT

# The rootfs every bundle copies: busybox with its applets, tinit, users.
build_template() {
  local r=$TEMPLATE
  mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp,root,home/user,mnt,run,var}
  chmod 1777 "$r/tmp"
  cp "$BUSYBOX" "$r/bin/busybox"
  cp "$TINIT" "$r/bin/tinit"
  chroot "$r" /bin/busybox --install -s /bin || return 1
  cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$r/etc/group" <<'EOF'
root:x:0:
user:x:1000:
nogroup:x:65534:
EOF
  chown 1000:1000 "$r/home/user"
}
if ! build_template >"$SUITE_TMP/template.log" 2>&1; then
  echo "not ok $AREA: build the template rootfs: $(head -c 300 "$SUITE_TMP/template.log")"
  exit 1
fi

# ---- reporting -------------------------------------------------------------

_pass() { echo "ok $AREA: $TEST_NAME: $1"; return 0; }
_fail() {
  echo "not ok $AREA: $TEST_NAME: $1: $2"
  : >"$T/failed"
  return 1
}

# One line of TEXT, shortened, for a failure reason.
_short() { printf '%s' "$1" | tr '\n' ' ' | cut -c1-300; }

# ---- running the runtime -----------------------------------------------------

# tong ARGS...: run "$TONG --root $ROOT ARGS..." with stdin /dev/null and
# stdout/stderr to files (never a pipe: a container inherits them); sets RC,
# OUT and ERR (NUL bytes dropped).
# Each call gets its own files: a container started by an earlier call may
# still be writing to that call's stdout.
CALLS=0
tong() {
  CALLS=$((CALLS + 1))
  tong_to "$T/out.$CALLS" "$@"
}

# tong_to FILE ARGS...: like tong, but stdout goes to FILE (kept: a detached
# container keeps writing there) and stderr to FILE.err.
tong_to() {
  local f=$1
  shift
  echo "+ tong $* >$f" >>"$T/log"
  timeout -k 5 "$TEST_TIMEOUT" "$TONG" --root "$ROOT" "$@" >"$f" 2>"$f.err" </dev/null
  RC=$?
  OUT=$(tr -d '\0' <"$f")
  ERR=$(tr -d '\0' <"$f.err")
  { echo "rc=$RC"; cat "$f" "$f.err"; } >>"$T/log"
  return $RC
}

# sh_run CMD...: the same for any command.
sh_run() {
  echo "+ $*" >>"$T/log"
  timeout -k 5 "$TEST_TIMEOUT" "$@" >"$T/out" 2>"$T/err" </dev/null
  RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
  return $RC
}

# kv KEY [TEXT]: the value of the first KEY=value line of TEXT (default $OUT).
kv() {
  local text=${2-$OUT}
  printf '%s\n' "$text" | grep -m1 "^$1=" | cut -d= -f2-
}

# state_of [ID]: the container's status, or "none" when state fails.
state_of() {
  local id=${1:-$ID} s
  s=$(timeout -k 2 5 "$TONG" --root "$ROOT" state "$id" 2>/dev/null </dev/null) || { echo none; return; }
  printf '%s' "$s" | jq -r .status 2>/dev/null || echo invalid
}

# pid_of [ID]: the container's pid from state (empty when none).
pid_of() {
  local id=${1:-$ID}
  timeout -k 2 5 "$TONG" --root "$ROOT" state "$id" 2>/dev/null </dev/null | jq -r '.pid // empty' 2>/dev/null
}

# wait_status STATUS [ID] [TRIES]: poll state every 0.1 s, TRIES times
# (default 150); 0 when the status was reached.
wait_status() {
  local want=$1 id=${2:-$ID} tries=${3:-150} i
  for ((i = 0; i < tries; i++)); do
    [ "$(state_of "$id")" = "$want" ] && return 0
    sleep 0.1
  done
  return 1
}

# wait_file FILE [TRIES]: poll until FILE exists and is not empty.
wait_file() {
  local f=$1 tries=${2:-150} i
  for ((i = 0; i < tries; i++)); do
    [ -s "$f" ] && return 0
    sleep 0.1
  done
  return 1
}

# ---- assertions (each prints one ok/not ok line; returns 0 when it passed) --

assert_eq() { # NAME GOT WANT
  if [ "$2" = "$3" ]; then _pass "$1"; else _fail "$1" "got '$(_short "$2")', want '$(_short "$3")'"; fi
}
assert_ne() { # NAME GOT UNWANTED
  if [ "$2" != "$3" ]; then _pass "$1"; else _fail "$1" "got '$(_short "$2")', want anything else"; fi
}
assert_contains() { # NAME TEXT NEEDLE (fixed string)
  if printf '%s\n' "$2" | grep -qF -- "$3"; then _pass "$1"; else _fail "$1" "'$(_short "$3")' not in '$(_short "$2")'"; fi
}
assert_icontains() { # NAME TEXT NEEDLE (fixed string, any case)
  if printf '%s\n' "$2" | grep -qiF -- "$3"; then _pass "$1"; else _fail "$1" "'$(_short "$3")' not in '$(_short "$2")'"; fi
}
assert_not_contains() { # NAME TEXT NEEDLE
  if ! printf '%s\n' "$2" | grep -qF -- "$3"; then _pass "$1"; else _fail "$1" "'$(_short "$3")' unexpectedly in '$(_short "$2")'"; fi
}
assert_match() { # NAME TEXT ERE
  if printf '%s\n' "$2" | grep -qE -- "$3"; then _pass "$1"; else _fail "$1" "/$3/ does not match '$(_short "$2")'"; fi
}
assert_kv() { # NAME KEY WANT [TEXT]: KEY=WANT in TEXT (default $OUT)
  local got
  got=$(kv "$2" "${4-$OUT}")
  if [ "$got" = "$3" ]; then _pass "$1"; else _fail "$1" "$2='$(_short "$got")', want '$3' (stderr: $(_short "$ERR"))"; fi
}
assert_exit() { # NAME WANT: the last command's exit status
  if [ "$RC" = "$2" ]; then _pass "$1"; else _fail "$1" "exit $RC, want $2 (stderr: $(_short "$ERR"))"; fi
}
assert_ok() { assert_exit "$1" 0; }
assert_fails() { # NAME: the last command failed (any non-zero status)
  if [ "$RC" != 0 ]; then _pass "$1"; else _fail "$1" "exit 0, want failure (stdout: $(_short "$OUT"))"; fi
}
assert_true() { # NAME CMD...: CMD succeeds
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then _pass "$name"; else _fail "$name" "'$*' failed"; fi
}
assert_false() { # NAME CMD...: CMD fails
  local name=$1
  shift
  if ! "$@" >/dev/null 2>&1; then _pass "$name"; else _fail "$name" "'$*' succeeded"; fi
}
assert_status() { # NAME WANT [ID]: the state's status, polled up to 15 s
  if wait_status "$2" "${3:-$ID}"; then _pass "$1"; else _fail "$1" "status '$(state_of "${3:-$ID}")', want '$2'"; fi
}

# The container's leftovers on the host: processes whose root is in the
# bundle or whose cgroup is named after the id, and the state dir.
_container_pids() {
  local id=$1 f
  {
    find /proc -mindepth 2 -maxdepth 2 -name root -lname "$T/*" 2>/dev/null
    grep -lsE "/$id(/|\$)" /proc/[0-9]*/cgroup 2>/dev/null
  } | while read -r f; do
    f=${f#/proc/}
    echo "${f%%/*}"
  done | sort -u | grep -vx "$$" | grep -vx "$BASHPID"
}

# assert_clean NAME [ID]: no state dir, no mount under $T, no process and no
# cgroup named ID left.
assert_clean() {
  local id=${2:-$ID} why="" pids mnts cgs
  if [ -e "$ROOT/$id" ]; then why="state dir $ROOT/$id exists; "; fi
  mnts=$(findmnt -rn -o TARGET | grep -F "$T" || true)
  if [ -n "$mnts" ]; then why="${why}mounted: $(_short "$mnts"); "; fi
  pids=$(_container_pids "$id")
  if [ -n "$pids" ]; then why="${why}processes: $(_short "$pids"); "; fi
  cgs=$(find /sys/fs/cgroup -maxdepth 5 -type d -name "$id" 2>/dev/null)
  if [ -n "$cgs" ]; then why="${why}cgroups: $(_short "$cgs"); "; fi
  if [ -z "$why" ]; then _pass "$1"; else _fail "$1" "$why"; fi
}

# ---- bundles -----------------------------------------------------------------

# make_bundle DIR [ARGS...]: DIR/rootfs from the template, DIR/config.json
# from `$TONG spec` with terminal false, a writable root and process.args
# ARGS (default /bin/tinit true).
make_bundle() {
  local dir=$1
  shift
  mkdir -p "$dir" || return 1
  cp -a "$TEMPLATE" "$dir/rootfs" || return 1
  if ! (cd "$dir" && timeout -k 5 "$TEST_TIMEOUT" "$TONG" spec) >"$T/spec.log" 2>&1 </dev/null; then
    _fail "make_bundle" "$TONG spec failed: $(_short "$(cat "$T/spec.log")")"
    return 1
  fi
  if [ $# = 0 ]; then set -- /bin/tinit true; fi
  cfg "$dir" '.process.terminal = false | .root.readonly = false' || return 1
  args "$dir" "$@"
}

# cfg DIR 'jq expression' [jq options...]: edit DIR/config.json in place.
cfg() {
  local dir=$1 expr=$2
  shift 2
  if ! jq "$expr" "$dir/config.json" "$@" >"$dir/config.json.new" 2>"$T/jq.err"; then
    _fail "cfg" "jq '$expr': $(_short "$(cat "$T/jq.err")")"
    rm -f "$dir/config.json.new"
    return 1
  fi
  mv "$dir/config.json.new" "$dir/config.json"
}

# args DIR ARG...: set process.args.
args() {
  local dir=$1 expr="" i=0 a
  local -a opts=()
  shift
  # --arg, not --args: jq drops a "--" among positional arguments.
  for a in "$@"; do
    opts+=(--arg "a$i" "$a")
    expr+="${expr:+,}\$a$i"
    i=$((i + 1))
  done
  cfg "$dir" ".process.args = [$expr]" "${opts[@]}"
}

# jstr VALUE: VALUE as a JSON string.
jstr() { jq -n --arg v "$1" '$v'; }

# ---- per-test scaffolding ----------------------------------------------------

# defer CMD: run CMD (a string, eval'ed) at the test's cleanup, last first.
DEFERRED=()
defer() { DEFERRED=("$1" "${DEFERRED[@]}"); }

_test_cleanup() {
  local id pids mnts d leak=""
  for d in "${DEFERRED[@]}"; do eval "$d" >/dev/null 2>&1; done
  # Every container under this test's root: the known id and whatever the
  # root holds (a state dir per container for runc and tong).
  for id in $( (echo "$ID"; ls "$ROOT" 2>/dev/null) | sort -u); do
    [ -n "$id" ] || continue
    timeout -k 5 "$TEST_TIMEOUT" "$TONG" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 </dev/null
  done
  # Anything still running from this test: kill by pid, and say so.
  pids=$(for id in $( (echo "$ID"; ls "$ROOT" 2>/dev/null) | sort -u); do _container_pids "$id"; done | sort -u)
  if [ -n "$pids" ]; then
    leak="processes $(_short "$pids") left after delete --force; "
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
  fi
  mnts=$(findmnt -rn -o TARGET | grep -F "$T" | sort -r)
  if [ -n "$mnts" ]; then
    leak="${leak}mounts left: $(_short "$mnts"); "
    printf '%s\n' "$mnts" | while read -r m; do umount -l "$m" 2>/dev/null; done
  fi
  # Cgroups named after this test's ids (the runtime's default path).
  find /sys/fs/cgroup -maxdepth 5 -depth -type d \( -name "$ID" -o -name "$ID-*" \) \
    -exec rmdir {} + 2>/dev/null
  if [ -n "$leak" ]; then
    echo "not ok $AREA: $TEST_NAME: cleanup: $leak"
    : >"$T/failed"
  fi
  # What the runtime was asked and said, for a test that failed.
  if [ -e "$T/failed" ]; then
    echo "--- $AREA: $TEST_NAME: the last runtime commands:" >&2
    tail -n 40 "$T/log" | cut -c1-400 >&2
  fi
  rm -rf --one-file-system "$T"
}

# run_test NAME FUNC [ARGS...]: run FUNC in a subshell with T, ROOT, B, ID.
run_test() {
  local name=$1
  shift
  TEST_SEQ=$((TEST_SEQ + 1))
  if [ -n "$TEST_FILTER" ] && ! [[ $name =~ $TEST_FILTER ]]; then return 0; fi
  (
    TEST_NAME=$name
    T=$(mktemp -d "$SUITE_TMP/t.XXXXXX")
    chmod 0755 "$T"
    ROOT=$T/root
    B=$T/bundle
    ID=tongt-$$-$TEST_SEQ
    RC=0 OUT="" ERR=""
    mkdir -p "$ROOT"
    : >"$T/log"
    trap _test_cleanup EXIT
    "$@"
  )
  if [ -n "${TEST_VERBOSE:-}" ]; then echo "# done $name at ${SECONDS}s" >&2; fi
}

# Tests call this to give up early with a reason (one not ok line).
bail() { _fail "$1" "$2"; }
