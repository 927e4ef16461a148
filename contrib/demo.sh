#!/bin/bash
# The first thing to run: install the dependencies, build tong, and run a
# busybox container with it:
#
#   sudo bash contrib/demo.sh
#
# TONG=path uses another runtime binary (the build is then skipped).
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"

if [ "$(id -u)" != 0 ]; then
  echo "demo: run as root (containers need it): sudo bash contrib/demo.sh" >&2
  exit 1
fi

bash contrib/install-deps.sh

if [ -z "${TONG:-}" ]; then
  echo "demo: building tong"
  [ -x configure ] || ./autogen.sh >/dev/null
  [ -f Makefile ] || ./configure >/dev/null
  make -j2 >/dev/null
  TONG=$TOP/tong
fi

tmp=$(mktemp -d /tmp/tong-demo.XXXXXX)
chmod 0755 "$tmp"
id=tong-demo-$$
cleanup() {
  "$TONG" --root "$tmp/state" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT

# A bundle: a busybox rootfs and the default config from `tong spec`.
rootfs=$tmp/bundle/rootfs
mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp,root}
cp "$(command -v busybox)" "$rootfs/bin/busybox"
chroot "$rootfs" /bin/busybox --install -s /bin
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"
(cd "$tmp/bundle" && "$TONG" spec)
jq '.process.terminal = false
    | .process.args = ["sh", "-c", "echo hello from tong; uname -a; id"]' \
  "$tmp/bundle/config.json" >"$tmp/config.json"
mv "$tmp/config.json" "$tmp/bundle/config.json"

echo "demo: $TONG --root $tmp/state run --bundle $tmp/bundle $id"
echo "----"
rc=0
"$TONG" --root "$tmp/state" run --bundle "$tmp/bundle" "$id" </dev/null || rc=$?
echo "----"
echo "demo: the container exited with status $rc"
exit $rc
