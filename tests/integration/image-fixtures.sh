# image-fixtures.sh: sourced by tests/integration/t-image*.sh after lib.sh.
# Starts a docker-registry on 127.0.0.1 with its own config and storage,
# builds test images from busybox-static with umoci, pushes them with skopeo
# (and curl, for what skopeo will not write), and stops the registries by
# pid when the file ends.  Nothing here talks to anything but 127.0.0.1.

IMG=${TONG_IMAGE:-$TOP/tong-image}
for tool in docker-registry skopeo umoci zstd curl htpasswd openssl setfattr getfattr; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "not ok $AREA: missing tool $tool (run contrib/install-deps.sh)"
    exit 1
  fi
done
if [ ! -x "$IMG" ]; then
  echo "not ok $AREA: $IMG not built"
  exit 1
fi

FIX=$SUITE_TMP/fix
mkdir -p "$FIX"
REG_PIDS=()
HELPER_PIDS=()
image_cleanup() {
  local p
  for p in "${REG_PIDS[@]}" "${HELPER_PIDS[@]}"; do
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  suite_cleanup
}
trap image_cleanup EXIT
# Killed (run-all's timeout): still stop the registries.
trap 'exit 143' TERM INT

case $(uname -m) in
  x86_64) HOST_ARCH=amd64 ;;
  aarch64) HOST_ARCH=arm64 ;;
  *) HOST_ARCH=$(uname -m) ;;
esac

# start_registry NAME [YAML [DATA]]: a registry whose storage (or DATA) and
# log are under $FIX/NAME, listening on a free port of 127.0.0.1 (or
# $REG_ADDR: [::1]) that the kernel picks (http.addr 127.0.0.1:0, read back
# from the log).  Sets REG_PORT, REG_LOG, REG_DATA.
start_registry() {
  local name=$1 extra=${2:-} d=$FIX/$1 i
  local data=${3:-$d/data}
  mkdir -p "$d" "$data"
  cat >"$d/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $data
  delete:
    enabled: true
http:
  addr: "${REG_ADDR:-127.0.0.1}:0"
  secret: tong-image-tests
$extra
EOF
  REG_LOG=$d/registry.log
  REG_DATA=$data
  # Bounded even if every cleanup failed.
  timeout -k 5 1800 docker-registry serve "$d/config.yml" >"$REG_LOG" 2>&1 </dev/null &
  REG_PIDS+=($!)
  for ((i = 0; i < 100; i++)); do
    REG_PORT=$(grep -o 'listening on [^ "]*:[0-9]*' "$REG_LOG" | head -1 | sed 's/.*://')
    [ -n "$REG_PORT" ] && return 0
    sleep 0.1
  done
  echo "registry $name did not start: $(tail -c 300 "$REG_LOG")" >&2
  return 1
}

# reg_blob_gets DIGEST [LOG]: how many times tong-image fetched the blob.
reg_blob_gets() {
  grep -c "\"GET /v2/[^ ]*/blobs/$1 HTTP[^\"]*\" 200 .*tong-image" "${2:-$MAIN_LOG}"
}

# tree_listing DIR: path, type, mode, owner, size, link target and content
# hash of everything under DIR (directory mtimes left out: whiteouts touch them).
tree_listing() {
  (cd "$1" && find . -printf '%p %y %m %U:%G %l\n' | sort &&
    find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# layout_blob LAYOUT FILE: move FILE into LAYOUT's blobs; prints its digest.
layout_blob() {
  local h
  h=$(sha256sum <"$2" | cut -d' ' -f1)
  mv "$2" "$1/blobs/sha256/$h"
  echo "sha256:$h"
}

# layout_manifest LAYOUT TAG: the manifest digest TAG names.
layout_manifest() {
  jq -r --arg t "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$1/index.json"
}

# layout_tag LAYOUT TAG MEDIATYPE DIGEST: add (or move) TAG.
layout_tag() {
  local size
  size=$(stat -c %s "$1/blobs/sha256/${4#sha256:}")
  jq --arg t "$2" --arg mt "$3" --arg d "$4" --argjson s "$size" \
    '.manifests |= map(select(.annotations["org.opencontainers.image.ref.name"] != $t)) + [{mediaType: $mt, digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": $t}}]' \
    "$1/index.json" >"$1/index.json.new" && mv "$1/index.json.new" "$1/index.json"
}

# recompress LAYOUT FROM TO zstd|plain: a copy of FROM whose layers are
# recompressed (same DiffIDs, new digests and media types).
recompress() {
  local L=$1 from=$2 to=$3 how=$4 m cfg n i ld mt nd
  m=$(layout_manifest "$L" "$from")
  cp "$L/blobs/sha256/${m#sha256:}" "$FIX/m.json"
  n=$(jq '.layers | length' "$FIX/m.json")
  for ((i = 0; i < n; i++)); do
    ld=$(jq -r ".layers[$i].digest" "$FIX/m.json")
    gzip -dc <"$L/blobs/sha256/${ld#sha256:}" >"$FIX/layer.tar" || return 1
    if [ "$how" = zstd ]; then
      zstd -q -c "$FIX/layer.tar" >"$FIX/layer.new" || return 1
      mt=application/vnd.oci.image.layer.v1.tar+zstd
    else
      mv "$FIX/layer.tar" "$FIX/layer.new"
      mt=application/vnd.oci.image.layer.v1.tar
    fi
    local size
    size=$(stat -c %s "$FIX/layer.new")
    nd=$(layout_blob "$L" "$FIX/layer.new")
    jq --arg d "$nd" --arg mt "$mt" --argjson s "$size" ".layers[$i] |= (.digest = \$d | .mediaType = \$mt | .size = \$s)" \
      "$FIX/m.json" >"$FIX/m2.json" && mv "$FIX/m2.json" "$FIX/m.json"
  done
  nd=$(layout_blob "$L" "$FIX/m.json")
  layout_tag "$L" "$to" application/vnd.oci.image.manifest.v1+json "$nd"
}

# push_raw REPO TAG MEDIATYPE FILE [BLOB...]: upload the blobs and PUT the
# manifest with curl (for manifests skopeo would convert or refuse).
push_raw() {
  local repo=$1 tag=$2 mt=$3 file=$4 b loc d
  shift 4
  for b in "$@"; do
    d=sha256:$(sha256sum <"$b" | cut -d' ' -f1)
    loc=$(curl -sf -o /dev/null -D - -X POST "http://$REG/v2/$repo/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
    case $loc in http*) ;; *) loc=http://$REG$loc ;; esac
    case $loc in *\?*) loc="$loc&digest=$d" ;; *) loc="$loc?digest=$d" ;; esac
    curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$b" "$loc" || return 1
  done
  curl -sf -X PUT -H "Content-Type: $mt" --data-binary "@$file" "http://$REG/v2/$repo/manifests/$tag" || return 1
}

# build_images: the test images, in the OCI layout $FIX/oci, pushed to $REG.
build_images() {
  local L=$FIX/oci r
  cd "$FIX" || return 1
  umoci init --layout "$L" && umoci new --image "$L:empty" || return 1
  # base: busybox with users, Cmd echo.
  umoci unpack --image "$L:empty" "$FIX/b" >/dev/null || return 1
  r=$FIX/b/rootfs
  mkdir -p "$r/bin" "$r/etc" "$r/work" "$r/tmp" "$r/root" "$r/home/app"
  cp "$BUSYBOX" "$r/bin/busybox"
  chroot "$r" /bin/busybox --install -s /bin || return 1
  printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\napp:x:1000:\nextra:x:2000:root2,app\n' >"$r/etc/group"
  chmod 1777 "$r/tmp"
  chown 1000:1000 "$r/home/app"
  umoci repack --image "$L:base" "$FIX/b" >/dev/null || return 1
  umoci config --image "$L:base" --config.cmd /bin/echo --config.cmd hello-from-image \
    --config.env FOO=bar || return 1
  BASE_DIGEST=$(layout_manifest "$L" base)
  BASE_CONFIG=$(jq -r .config.digest "$L/blobs/sha256/${BASE_DIGEST#sha256:}")
  BASE_LAYER=$(jq -r '.layers[0].digest' "$L/blobs/sha256/${BASE_DIGEST#sha256:}")
  # FIXTURES=base: only that image (the auth tests).
  if [ "${FIXTURES:-all}" = base ]; then
    skopeo copy -q --dest-tls-verify=false "oci:$L:base" "docker://$REG/test/busybox:v1"
    return
  fi
  # conf: the same layer, a config with everything conversion.md maps.
  umoci config --image "$L:base" --tag conf --config.entrypoint /bin/sh --config.cmd -c \
    --config.cmd 'echo $FOO $NEW $(id -u) $(id -G) $(pwd)' --config.workingdir /work \
    --config.user app --config.label com.example.label=yes \
    --config.label org.opencontainers.image.author=label-author --author image-author \
    --config.exposedports 8080/tcp --config.volume /data --config.stopsignal SIGINT || return 1
  # wh: base + a layer of files + a layer of whiteouts written by hand (in
  # an order that tests order independence), hard link, owner and mtime.
  local l2=$FIX/l2 l3=$FIX/l3
  mkdir -p "$l2/data/sub" "$l2/opq/sub" "$l2/usr/lib2"
  echo a >"$l2/data/a"
  echo b >"$l2/data/b"
  ln "$l2/data/b" "$l2/data/b-link"
  echo c >"$l2/data/sub/c"
  echo o >"$l2/data/owned"
  chown 4242:4343 "$l2/data/owned"
  echo x >"$l2/opq/x"
  echo y >"$l2/opq/sub/y"
  echo old >"$l2/usr/lib2/old"
  ln -s usr/lib2 "$l2/lib2"
  touch -d @1000000000 "$l2/data/b"
  echo x >"$l2/data/xattr"
  setfattr -n user.tong -v kept "$l2/data/xattr" || return 1
  tar --numeric-owner --xattrs --xattrs-include='user.*' -C "$l2" -cf "$FIX/l2.tar" data opq usr lib2 || return 1
  # An owner whose name the host knows with another uid: the number wins.
  mkdir -p "$FIX/l2b/data" && echo n >"$FIX/l2b/data/named"
  tar -C "$FIX/l2b" -rf "$FIX/l2.tar" --owner=daemon:4444 --group=daemon:4545 data/named || return 1
  mkdir -p "$l3/data" "$l3/opq" "$l3/lib2"
  : >"$l3/data/.wh.a"
  : >"$l3/data/.wh.sub"
  echo new >"$l3/opq/new"
  : >"$l3/opq/.wh..wh..opq"
  echo later >"$l3/opq/later"
  echo added >"$l3/lib2/added"
  # lib2/added without a lib2 entry: it must go through the lower symlink.
  tar --numeric-owner -C "$l3" -cf "$FIX/l3.tar" --no-recursion \
    data/.wh.a opq/new opq/.wh..wh..opq opq/later data/.wh.sub lib2/added || return 1
  umoci config --image "$L:base" --tag wh >/dev/null || return 1
  umoci raw add-layer --image "$L:wh" "$FIX/l2.tar" && umoci raw add-layer --image "$L:wh" "$FIX/l3.tar" || return 1
  # vol: wh's tree with /data a volume.
  umoci config --image "$L:wh" --tag vol --config.volume /data --config.entrypoint /bin/sh \
    --config.cmd -c --config.cmd 'cat /data/b && echo written >/data/new' >/dev/null || return 1
  # zstd and uncompressed copies of base.
  recompress "$L" base zstd zstd && recompress "$L" base plain plain || return 1
  # arm64: base's layer with an arm64 config; multi: an index listing arm64 first.
  umoci config --image "$L:base" --tag arm --architecture arm64 || return 1
  local am bm
  am=$(layout_manifest "$L" arm)
  bm=$(layout_manifest "$L" base)
  jq -n --arg a "$am" --arg b "$bm" --argjson asz "$(stat -c %s "$L/blobs/sha256/${am#sha256:}")" \
    --argjson bsz "$(stat -c %s "$L/blobs/sha256/${bm#sha256:}")" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [
       {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $a, size: $asz, platform: {os: "linux", architecture: "arm64"}},
       {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $b, size: $bsz, platform: {os: "linux", architecture: "amd64"}}]}' \
    >"$FIX/index.json" || return 1
  MULTI_DIGEST=$(layout_blob "$L" "$FIX/index.json")
  layout_tag "$L" multi application/vnd.oci.image.index.v1+json "$MULTI_DIGEST"
  # corrupt: a layer of its own, changed in the registry's storage after the push.
  mkdir -p "$FIX/lc"
  head -c 65536 /dev/urandom >"$FIX/lc/random"
  tar -C "$FIX/lc" -cf "$FIX/lc.tar" random || return 1
  umoci config --image "$L:empty" --tag corrupt --config.cmd /random >/dev/null || return 1
  umoci raw add-layer --image "$L:corrupt" "$FIX/lc.tar" || return 1

  # evil: an absolute symlink out of the rootfs, a file written through it,
  # and a device node; dotdot: an entry with `..`.
  EVIL_TARGET=$FIX/outside
  # (The image has the target directory too: the write lands there, inside.)
  mkdir -p "$FIX/le$EVIL_TARGET" "$EVIL_TARGET"
  ln -s "$EVIL_TARGET" "$FIX/le/escape"
  mknod "$FIX/le/null" c 1 3
  mkdir -p "$FIX/le2/escape" && echo pwned >"$FIX/le2/escape/pwned"
  local top=${EVIL_TARGET#/}
  top=${top%%/*}
  tar -C "$FIX/le" -cf "$FIX/le.tar" "$top" escape null && tar -C "$FIX/le2" -rf "$FIX/le.tar" escape/pwned || return 1
  umoci config --image "$L:empty" --tag evil --config.cmd /x >/dev/null && umoci raw add-layer --image "$L:evil" "$FIX/le.tar" || return 1
  echo x >"$FIX/escape"
  (cd "$FIX/le2" && tar -P -cf "$FIX/dd.tar" --transform 's|^escape/pwned|../../escape|' escape/pwned) || return 1
  umoci config --image "$L:empty" --tag dotdot --config.cmd /x >/dev/null && umoci raw add-layer --image "$L:dotdot" "$FIX/dd.tar" || return 1
  rm -f "$FIX/escape"

  local sk=(skopeo copy -q --dest-tls-verify=false)
  "${sk[@]}" "oci:$L:base" "docker://$REG/test/busybox:v1" &&
    "${sk[@]}" "oci:$L:base" "docker://$REG/test/busybox:v1b" &&
    "${sk[@]}" "oci:$L:conf" "docker://$REG/test/conf:v1" &&
    "${sk[@]}" "oci:$L:wh" "docker://$REG/test/wh:v1" &&
    "${sk[@]}" "oci:$L:vol" "docker://$REG/test/vol:v1" &&
    "${sk[@]}" --format v2s2 "oci:$L:base" "docker://$REG/test/docker:v1" &&
    "${sk[@]}" "oci:$L:zstd" "docker://$REG/test/zstd:v1" &&
    "${sk[@]}" "oci:$L:plain" "docker://$REG/test/plain:v1" &&
    "${sk[@]}" --all "oci:$L:multi" "docker://$REG/test/multi:v1" &&
    "${sk[@]}" --all --format v2s2 "oci:$L:multi" "docker://$REG/test/dlist:v1" &&
    "${sk[@]}" "oci:$L:corrupt" "docker://$REG/test/corrupt:v1" &&
    "${sk[@]}" "oci:$L:evil" "docker://$REG/test/evil:v1" &&
    "${sk[@]}" "oci:$L:dotdot" "docker://$REG/test/dotdot:v1" || return 1
  # An artifact (not a container image): refused by media type.
  printf '{}' >"$FIX/art-config"
  local acd
  acd=sha256:$(sha256sum <"$FIX/art-config" | cut -d' ' -f1)
  jq -n --arg d "$acd" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {mediaType: "application/vnd.example.thing.v1+json", digest: $d, size: 2}, layers: []}' >"$FIX/art.json"
  push_raw test/artifact v1 application/vnd.oci.image.manifest.v1+json "$FIX/art.json" "$FIX/art-config" || return 1

  local cm
  cm=$(layout_manifest "$L" corrupt)
  CORRUPT_LAYER=$(jq -r '.layers[0].digest' "$L/blobs/sha256/${cm#sha256:}")
  # Same size, other bytes: only the digest can tell.
  local data=$REG_DATA/docker/registry/v2/blobs/sha256/${CORRUPT_LAYER:7:2}/${CORRUPT_LAYER:7}/data
  [ -f "$data" ] || return 1
  printf 'XXXX' | dd of="$data" bs=1 seek=1000 conv=notrunc 2>/dev/null
}

if ! start_registry main >"$SUITE_TMP/registry.log" 2>&1; then
  echo "not ok $AREA: start docker-registry: $(tail -c 300 "$SUITE_TMP/registry.log")"
  exit 1
fi
MAIN_LOG=$REG_LOG
REG=127.0.0.1:$REG_PORT
if ! build_images >"$FIX/build.log" 2>&1; then
  echo "not ok $AREA: build the test images: $(tail -c 600 "$FIX/build.log" | tr '\n' ' ')"
  exit 1
fi
cd "$TOP" || exit 1
