#!/bin/bash
# Install the dependencies, build tong, run the unit tests and (as root) the
# integration tests, and print one closing line `N passed, M failed`.
# Exit 0 only when nothing failed and something ran.
#
#   bash tests/run-all.sh                 # everything
#   TONG=/usr/sbin/runc bash tests/run-all.sh   # integration tests against runc
#   SKIP_DEPS=1 SKIP_BUILD=1 ...          # reuse what is installed and built
#   ONLY='t-lifecycle|t-exec' ...         # a subset of the integration files
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
LOGDIR=$(mktemp -d /tmp/tong-run-all.XXXXXX)
RESULTS=$LOGDIR/results
: >"$RESULTS"
# The integration tests' temp dirs (traversable: user namespace tests).
export TONG_TEST_TMP=$LOGDIR/tmp
mkdir -p "$TONG_TEST_TMP"
chmod 0755 "$LOGDIR" "$TONG_TEST_TMP"
trap 'rm -rf --one-file-system "$LOGDIR"' EXIT

# note LINE: a result line, shown and kept for the count.
note() {
  printf '%s\n' "$1"
  printf '%s\n' "$1" >>"$RESULTS"
}

# step NAME LOG CMD...: run CMD quietly; on failure show the log's tail.
step() {
  local name=$1 log=$2
  shift 2
  echo "== $name"
  "$@" >"$log" 2>&1 </dev/null
  local rc=$?
  if [ $rc = 0 ]; then return 0; fi
  tail -n 40 "$log" | sed 's/^/# /'
  note "not ok $name: exit $rc (see the lines above)"
  return $rc
}

# sweep_leftovers: after a test file was killed (its cleanup did not run),
# delete its containers, unmount and remove its temp dirs.
sweep_leftovers() {
  local r id
  for r in "$TONG_TEST_TMP"/tong-it.*/t.*/root; do
    [ -d "$r" ] || continue
    for id in "$r"/*; do
      [ -e "$id" ] || continue
      timeout -k 2 20 "$TONG" --root "$r" delete --force "${id##*/}" >/dev/null 2>&1 </dev/null
    done
  done
  findmnt -rn -o TARGET | grep -F "$TONG_TEST_TMP/" | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf --one-file-system "$TONG_TEST_TMP"/tong-it.*
}

# ---- dependencies and build ---------------------------------------------------

if [ -z "${SKIP_DEPS:-}" ]; then
  if [ "$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1; then
    step "install dependencies" "$LOGDIR/deps.log" bash contrib/install-deps.sh
  else
    echo "== install dependencies: skipped (not root)"
  fi
fi

built=yes
if [ -z "${SKIP_BUILD:-}" ]; then
  step "autogen" "$LOGDIR/autogen.log" ./autogen.sh &&
    step "configure" "$LOGDIR/configure.log" ./configure &&
    step "make" "$LOGDIR/make.log" make -j2 ||
    built=no
  # The unit test programs, built but not run by make: run below, one by one.
  if [ $built = yes ]; then
    step "make check programs" "$LOGDIR/check.log" make -k -j2 check TESTS= || built=no
  fi
fi

# ---- unit tests ---------------------------------------------------------------

echo "== unit tests"
nunit=0
for t in tests/unit/test-*; do
  case $t in *.c | *.o | *.h | *.log | *.trs) continue ;; esac
  [ -x "$t" ] || continue
  nunit=$((nunit + 1))
  name=$(basename "$t")
  timeout -k 5 300 "./$t" >"$LOGDIR/$name.out" 2>"$LOGDIR/$name.err" </dev/null
  rc=$?
  # Their own `N passed, M failed` lines are consumed here.
  grep -E '^(ok|not ok) ' "$LOGDIR/$name.out" | sed -E "s/^(ok|not ok) /\1 unit: $name: /" |
    while IFS= read -r line; do note "$line"; done
  if [ $rc != 0 ] && ! grep -q '^not ok ' "$LOGDIR/$name.out"; then
    sed 's/^/# /' "$LOGDIR/$name.err" | tail -n 20
    note "not ok unit: $name: exited $rc without a failed check"
  fi
done
if [ $nunit = 0 ]; then
  echo "# no unit test programs were built"
fi

# ---- integration tests ------------------------------------------------------

if [ "$(id -u)" != 0 ]; then
  echo "skip integration tests: they need root"
else
  export TONG=${TONG:-$TOP/tong}
  if [ ! -x "$TONG" ]; then
    note "not ok integration: runtime $TONG was not built"
  else
    echo "== integration tests with $TONG"
    # CI has 90 minutes in all: give the integration files 45 at most,
    # and any one file 10 (the engines file, four engine scripts, 25).
    deadline=$((SECONDS + ${INTEGRATION_BUDGET:-2700}))
    for f in tests/integration/t-*.sh; do
      name=$(basename "$f" .sh)
      if [ -n "${ONLY:-}" ] && ! [[ $name =~ $ONLY ]]; then continue; fi
      echo "== $name"
      start=$SECONDS
      limit=$((deadline - SECONDS))
      if [ $limit -le 0 ]; then
        note "not ok integration: $name: not run, the time budget is spent"
        continue
      fi
      cap=600
      [ "$name" = t-engines ] && cap=1500
      [ $limit -le $cap ] || limit=$cap
      timeout -k 10 $limit bash "$f" >"$LOGDIR/$name.out" 2>"$LOGDIR/$name.err" </dev/null
      rc=$?
      if [ $rc = 124 ] || [ $rc = 137 ]; then sweep_leftovers; fi
      grep -vE '^(ok|not ok) ' "$LOGDIR/$name.out" | sed 's/^/# /'
      grep -E '^(ok|not ok) ' "$LOGDIR/$name.out" | while IFS= read -r line; do note "$line"; done
      if [ -s "$LOGDIR/$name.err" ]; then sed 's/^/# /' "$LOGDIR/$name.err" | head -n 1500; fi
      if ! grep -qE '^(ok|not ok) ' "$LOGDIR/$name.out"; then
        note "not ok integration: $name: no results (exit $rc)"
      elif [ $rc = 124 ] || [ $rc = 137 ]; then
        note "not ok integration: $name: timed out"
      fi
      echo "# $name took $((SECONDS - start)) s"
    done
  fi
fi

# ---- summary ----------------------------------------------------------------

passed=$(grep -c '^ok ' "$RESULTS")
failed=$(grep -c '^not ok ' "$RESULTS")
if [ "$failed" != 0 ]; then
  echo "== failures:"
  grep '^not ok ' "$RESULTS" | sed 's/^/#   /'
fi
echo "$passed passed, $failed failed"
if [ "$failed" != 0 ] || [ "$passed" = 0 ]; then
  exit 1
fi
exit 0
