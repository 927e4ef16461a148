#!/bin/bash
# t-engines.sh: the container engines of tests/engines/ (podman + conmon,
# docker.io, containerd + ctr through the runc shim v2, buildah) with tong as
# their runtime.  Each engine script prints its own `ok engines: ENGINE: STEP`
# lines.  An engine that is not installed is a failure, not a skip: CI
# installs them (contrib/deps.d/engines.list).
#
# Under `make check` (MAKELEVEL is set) a missing engine is skipped, and a
# host without root or without any engine skips the file (77).
#
#   ENGINES=re              only the engines whose name matches
#   ENGINE_FILE_TIMEOUT=s   bound on one engine script (default 420: a loaded 2-core machine makes podman slow)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
skip=0
[ -n "${MAKELEVEL:-}" ] && skip=77

if [ "$(id -u)" != 0 ]; then
  echo "skip engines: the engine tests need root"
  exit $skip
fi

declare -A need=(
  [podman]="podman conmon /usr/lib/podman/netavark"
  [docker]="dockerd /usr/bin/docker containerd containerd-shim-runc-v2"
  [containerd]="containerd ctr containerd-shim-runc-v2 umoci skopeo"
  [buildah]="buildah umoci skopeo"
)
rc=0
ran=0
for e in podman docker containerd buildah; do
  if [ -n "${ENGINES:-}" ] && ! [[ $e =~ $ENGINES ]]; then continue; fi
  missing=
  for b in ${need[$e]}; do
    command -v "$b" >/dev/null 2>&1 || missing+=" ${b##*/}"
  done
  if [ -n "$missing" ]; then
    if [ $skip = 77 ]; then
      echo "skip engines: $e: not installed (missing$missing)"
    else
      echo "not ok engines: $e: not installed (missing$missing; run contrib/install-deps.sh)"
      rc=1
    fi
    continue
  fi
  ran=$((ran + 1))
  timeout -k 10 "${ENGINE_FILE_TIMEOUT:-420}" bash "$TOP/tests/engines/$e.sh" </dev/null
  r=$?
  if [ $r = 124 ] || [ $r = 137 ]; then
    echo "not ok engines: $e: timed out after ${ENGINE_FILE_TIMEOUT:-420} s"
  fi
  [ $r = 0 ] || rc=1
done
[ $ran = 0 ] && [ $skip = 77 ] && exit 77
exit $rc
