#!/bin/bash
# t-engines.sh: the container engines of tests/engines/ (podman + conmon,
# docker.io, containerd + ctr through the runc shim v2, buildah) with tong as
# their runtime.  Each engine script prints its own `ok engines: ENGINE: STEP`
# lines.  An engine that is not installed is a failure, not a skip: CI
# installs them (contrib/deps.d/engines.list).
#
#   ENGINES=re              only the engines whose name matches
#   ENGINE_FILE_TIMEOUT=s   bound on one engine script (default 240)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
  echo "skip engines: the engine tests need root"
  exit 0
fi

declare -A need=(
  [podman]="podman conmon /usr/lib/podman/netavark"
  [docker]="dockerd /usr/bin/docker containerd containerd-shim-runc-v2"
  [containerd]="containerd ctr containerd-shim-runc-v2 umoci skopeo"
  [buildah]="buildah umoci skopeo"
)
rc=0
for e in podman docker containerd buildah; do
  if [ -n "${ENGINES:-}" ] && ! [[ $e =~ $ENGINES ]]; then continue; fi
  missing=
  for b in ${need[$e]}; do
    command -v "$b" >/dev/null 2>&1 || missing+=" ${b##*/}"
  done
  if [ -n "$missing" ]; then
    echo "not ok engines: $e: not installed (missing$missing; run contrib/install-deps.sh)"
    rc=1
    continue
  fi
  timeout -k 10 "${ENGINE_FILE_TIMEOUT:-240}" bash "$TOP/tests/engines/$e.sh" </dev/null
  r=$?
  if [ $r = 124 ] || [ $r = 137 ]; then
    echo "not ok engines: $e: timed out after ${ENGINE_FILE_TIMEOUT:-240} s"
  fi
  [ $r = 0 ] || rc=1
done
exit $rc
