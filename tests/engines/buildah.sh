#!/bin/bash
# buildah with tong as its runtime (`buildah run --runtime $TONG`,
# `buildah build --runtime $TONG`), OCI isolation.  Private storage, run
# root and config under the temp dir; the base image is an OCI archive made
# from busybox with umoci and skopeo.
. "$(dirname "$0")/lib.sh"

D=$TMP/buildah
mkdir -p "$D"/{run,storage,net,tmp}
NOFILE=$(ulimit -Hn)
cat >"$D/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE"]
[network]
network_backend = "netavark"
network_config_dir = "$D/net"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$D/tmp"
EOF
cat >"$D/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$D/run"
graphroot = "$D/storage"
EOF
: >"$D/registries.conf"
export CONTAINERS_CONF=$D/containers.conf
export CONTAINERS_STORAGE_CONF=$D/storage.conf
export CONTAINERS_REGISTRIES_CONF=$D/registries.conf
export BUILDAH_ISOLATION=oci
export TMPDIR=$D/tmp

B=(buildah)
RT=(--runtime "$RUNTIME")

engine_cleanup() {
  timeout -k 5 60 buildah rm -a
  timeout -k 5 60 buildah rmi -af
}

if ! make_rootfs >"$TMP/rootfs.log" 2>&1 || ! make_oci >"$TMP/oci.log" 2>&1; then
  fail "image: make the busybox OCI archive" "$(tail -c 300 "$TMP/rootfs.log" "$TMP/oci.log")"
  exit 1
fi
e "${B[@]}" from --name w1 "oci-archive:$TMP/bb-oci.tar"
check "from oci-archive: (umoci + skopeo)" "$(why)" '[ $RC = 0 ] && [ "$OUT" = w1 ]'

e "${B[@]}" run "${RT[@]}" w1 -- echo hello
check "run: echo" "$(why)" '[ $RC = 0 ] && [ "$OUT" = hello ]'
e "${B[@]}" run "${RT[@]}" w1 -- sh -c 'exit 3'
check "run: exit code 3 reaches the user" "$(why)" '[ $RC = 3 ]'

# buildah has extra fds open when it calls the runtime (up to 17), without
# --preserve-fds: none may reach the container.
e "${B[@]}" run "${RT[@]}" w1 -- sh -c 'ls /proc/$$/fd; true'
check "run: only fds 0 1 2 reach the container" "$(why)" '[ $RC = 0 ] && [ "$(echo $OUT)" = "0 1 2" ]'

e "${B[@]}" run "${RT[@]}" --user 1000:1000 --workingdir /tmp -e FOO=bar w1 -- sh -c 'echo $(id -u):$(pwd):$FOO'
check "run --user --workingdir --env" "$(why)" '[ $RC = 0 ] && [ "$OUT" = 1000:/tmp:bar ]'

mkdir -p "$TMP/bind"
echo host-data >"$TMP/bind/in"
e "${B[@]}" run "${RT[@]}" -v "$TMP/bind:/data" w1 -- sh -c 'cat /data/in; echo w >/data/out'
check "run -v bind rw" "$(why)" '[ $RC = 0 ] && [ "$OUT" = host-data ] && [ "$(cat "$TMP/bind/out" 2>/dev/null)" = w ]'
e "${B[@]}" run "${RT[@]}" -v "$TMP/bind:/data:ro" w1 -- sh -c 'cat /data/in; echo x >/data/ro-out'
check "run -v bind ro" "$(why)" '[ $RC != 0 ] && [ ! -e "$TMP/bind/ro-out" ] && [[ $OUT == host-data* ]]'

e "${B[@]}" run "${RT[@]}" --cap-drop CAP_CHOWN w1 -- sh -c 'chown 1000 /tmp 2>&1; echo rc=$?'
check "run --cap-drop CAP_CHOWN: chown fails" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"not permitted"*rc=1 ]]'

e "${B[@]}" run "${RT[@]}" --network none w1 -- ls /sys/class/net
check "run --network none: only lo" "$(why)" '[ $RC = 0 ] && [ "$OUT" = lo ]'
ip link add tongveth0 type veth peer name tongveth1
e "${B[@]}" run "${RT[@]}" --network host w1 -- ls /sys/class/net
check "run --network host" "$(why)" '[ $RC = 0 ] && [[ $OUT == *tongveth0* ]]'
ip link del tongveth0 2>/dev/null

et "${B[@]}" run "${RT[@]}" -t w1 -- tty
check "run -t: a terminal" "$(why)" '[ $RC = 0 ] && [[ $OUT == *"/dev/pts/"* ]]'

# ---- buildah build with RUN steps -------------------------------------------------

mkdir -p "$TMP/ctx"
echo from-context >"$TMP/ctx/file.txt"
cat >"$TMP/ctx/Containerfile" <<EOF
FROM oci-archive:$TMP/bb-oci.tar
COPY file.txt /file.txt
RUN echo built-by-run >/built && cat /file.txt >>/built
RUN echo builder:x:2000:2000::/work:/bin/sh >>/etc/passwd && mkdir /work && chown 2000 /work
USER builder
WORKDIR /work
RUN id -u >/work/uid && test "\$(pwd)" = /work
USER root
RUN sh -c 'exit 0'
EOF
e "${B[@]}" build "${RT[@]}" --network none -t localhost/tong-built:latest "$TMP/ctx"
check "build: a Containerfile with RUN steps" "$(why) $(printf '%s' "$OUT" | tail -c 200)" '[ $RC = 0 ]'
e "${B[@]}" from --name w2 localhost/tong-built:latest
e "${B[@]}" run "${RT[@]}" w2 -- sh -c 'cat /built /work/uid'
check "build: the RUN steps' results are in the image" "$(why)" '[ $RC = 0 ] && [ "$OUT" = "built-by-run
from-context
2000" ]'

cat >"$TMP/ctx/Containerfile.fail" <<EOF
FROM oci-archive:$TMP/bb-oci.tar
RUN sh -c 'exit 7'
EOF
e "${B[@]}" build "${RT[@]}" --network none -f "$TMP/ctx/Containerfile.fail" -t localhost/tong-fail "$TMP/ctx"
check "build: a failing RUN step fails the build (exit 7 reported)" "$(why)" '[ $RC != 0 ] && [[ $ERR == *"exit status 7"* ]]'

cat >"$TMP/ctx/Containerfile.net" <<EOF
FROM oci-archive:$TMP/bb-oci.tar
RUN ls /sys/class/net >/links
EOF
e "${B[@]}" build "${RT[@]}" -f "$TMP/ctx/Containerfile.net" -t localhost/tong-net "$TMP/ctx"
check "build: RUN with the default (private) network" "$(why) $(printf '%s' "$ERR" | tail -c 200)" '[ $RC = 0 ]'

exit $FAILED
