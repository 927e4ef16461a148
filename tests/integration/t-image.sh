#!/bin/bash
# tong-image against a real registry (Debian's docker-registry) on 127.0.0.1:
# images built from busybox-static with umoci and pushed with skopeo; pull,
# the shared-blob store, unpack (whiteouts, DiffIDs, zstd, Docker schema2,
# platforms), config.json, `tong run` of the bundle, and the errors.
# All traffic stays on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image-fixtures.sh"

# ---- pull and the store ------------------------------------------------------

test_pull_store() {
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox:v1"
  assert_ok "pull exits 0" || return
  assert_contains "pull prints the digest" "$OUT" "Digest: $BASE_DIGEST"
  assert_contains "pull says it downloaded" "$OUT" "Status: Downloaded newer image for $REG/test/busybox:v1"
  assert_contains "the layer line" "$OUT" "${BASE_LAYER:7:12}: Pull complete"
  assert_eq "oci-layout" "$(jq -r .imageLayoutVersion "$s/oci-layout")" "1.0.0"
  assert_eq "index.json names the image" \
    "$(jq -r --arg n "$REG/test/busybox:v1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$s/index.json")" \
    "$BASE_DIGEST"
  local bad=0 f
  for f in "$s"/blobs/sha256/*; do
    [ "sha256:$(sha256sum <"$f" | cut -d' ' -f1)" = "sha256:${f##*/}" ] || bad=$((bad + 1))
  done
  assert_eq "every blob matches its name" "$bad" 0
  assert_eq "three blobs (manifest, config, layer)" "$(ls "$s/blobs/sha256" | wc -l)" 3
  assert_eq "ingest/ is empty" "$(ls -A "$s/ingest" | wc -l)" 0
  # skopeo and umoci read the store.
  sh_run skopeo inspect "oci:$s:$REG/test/busybox:v1"
  assert_ok "skopeo reads the store"
  assert_eq "skopeo sees the same digest" "$(printf '%s' "$OUT" | jq -r .Digest)" "$BASE_DIGEST"
  sh_run umoci ls --layout "$s"
  assert_eq "umoci lists the name" "$OUT" "$REG/test/busybox:v1"

  # The same digest under a second tag: nothing downloaded twice.
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox:v1b"
  assert_ok "pull of a second tag"
  assert_contains "its layer already exists" "$OUT" "${BASE_LAYER:7:12}: Already exists"
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox:v1"
  assert_contains "pull again: up to date" "$OUT" "Status: Image is up to date for $REG/test/busybox:v1"
  # conf shares the base layer.
  sh_run "$IMG" --root "$s" pull "$REG/test/conf:v1"
  assert_ok "pull of an image sharing the layer"
  assert_contains "shared layer already exists" "$OUT" "${BASE_LAYER:7:12}: Already exists"
  assert_eq "the shared layer is one file" "$(ls "$s/blobs/sha256" | grep -c "${BASE_LAYER:7}")" 1
  assert_eq "the layer was fetched once (registry log)" "$(reg_blob_gets "$BASE_LAYER")" 1
  sh_run "$IMG" --root "$s" images
  assert_contains "images lists v1" "$OUT" "$REG/test/busybox"
  assert_eq "images: three names" "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" 3
  sh_run "$IMG" --root "$s" images -q
  assert_eq "images -q: two image IDs" "$(printf '%s\n' "$OUT" | wc -l)" 2
  assert_contains "images -q: the base ID" "$OUT" "${BASE_CONFIG:7:12}"
  sh_run "$IMG" --root "$s" images --format json
  assert_eq "images --format json: digest of v1" \
    "$(printf '%s' "$OUT" | jq -r --arg n "$REG/test/busybox:v1" '.[] | select(.name == $n) | .digest')" "$BASE_DIGEST"
  assert_eq "images --format json: id of v1" \
    "$(printf '%s' "$OUT" | jq -r --arg n "$REG/test/busybox:v1" '.[] | select(.name == $n) | .id')" "$BASE_CONFIG"
  # SIZE is the unpacked size, as docker images shows it: the config plus
  # the uncompressed layers; the compressed size is there too.
  local cfg_size layer_blob unpacked
  cfg_size=$(stat -c %s "$s/blobs/sha256/${BASE_CONFIG:7}")
  layer_blob=$(stat -c %s "$s/blobs/sha256/${BASE_LAYER:7}")
  unpacked=$(gzip -dc <"$s/blobs/sha256/${BASE_LAYER:7}" | wc -c)
  assert_eq "images --format json: size is the unpacked size" \
    "$(printf '%s' "$OUT" | jq -r --arg n "$REG/test/busybox:v1" '.[] | select(.name == $n) | .size')" \
    "$((cfg_size + unpacked))"
  assert_eq "images --format json: compressedSize is the blobs'" \
    "$(printf '%s' "$OUT" | jq -r --arg n "$REG/test/busybox:v1" '.[] | select(.name == $n) | .compressedSize')" \
    "$((cfg_size + layer_blob))"
  assert_eq "the layer's unpacked size was measured at pull" "$(cat "$s/tong-sizes/${BASE_LAYER:7}")" "$unpacked"
  sh_run "$IMG" --root "$s" images
  local human
  human=$(awk -v n=$((cfg_size + unpacked)) 'BEGIN { printf "%.3gMB", n / 1e6 }')
  assert_match "images: SIZE column, unpacked" "$OUT" "^$REG/test/busybox +v1 .* ${human}\$"
  sh_run "$IMG" --root "$s" inspect "$REG/test/busybox:v1"
  assert_eq "inspect: Size unpacked, CompressedSize" "$(printf '%s' "$OUT" | jq -c '[.Size, .CompressedSize]')" \
    "[$((cfg_size + unpacked)),$((cfg_size + layer_blob))]"
  sh_run "$IMG" --root "$s" images --digests
  assert_contains "images --digests" "$OUT" "$BASE_DIGEST"
  # --quiet prints only the digest.
  sh_run "$IMG" --root "$s" pull -q "$REG/test/busybox:v1"
  assert_eq "pull --quiet prints only the digest" "$OUT" "$BASE_DIGEST"
  # By digest.
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox@$BASE_DIGEST"
  assert_ok "pull by digest"
}

test_unpack_run() {
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox:v1" || { bail "pull" "$ERR"; return; }
  sh_run "$IMG" --root "$s" unpack "$REG/test/busybox:v1" "$B"
  assert_ok "unpack exits 0" || return
  assert_true "rootfs/bin/busybox" test -x "$B/rootfs/bin/busybox"
  assert_eq "config.json args = Cmd" "$(jq -c .process.args "$B/config.json")" '["/bin/echo","hello-from-image"]'
  assert_eq "image env first, PATH added" "$(jq -c .process.env "$B/config.json")" \
    '["FOO=bar","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]'
  assert_eq "terminal off" "$(jq .process.terminal "$B/config.json")" false
  assert_eq "the image ID annotation" "$(jq -r '.annotations["io.tong.image.id"]' "$B/config.json")" "$BASE_CONFIG"
  # What the image does not decide is what `tong spec` writes.
  mkdir -p "$T/spec" && (cd "$T/spec" && "$TONG" spec) || { bail "tong spec" "failed"; return; }
  local strip='del(.process.args, .process.env, .process.cwd, .process.user, .process.terminal, .annotations)'
  assert_eq "the rest is tong spec's" "$(jq -S "$strip" "$B/config.json")" "$(jq -S "$strip" "$T/spec/config.json")"
  # The tree equals umoci's unpack of the same image.
  umoci unpack --image "$FIX/oci:base" "$T/ref" >/dev/null 2>&1 || { bail "umoci unpack" "failed"; return; }
  assert_eq "tree equals umoci unpack" "$(tree_listing "$B/rootfs")" "$(tree_listing "$T/ref/rootfs")"
  tong_to "$T/run.out" run -b "$B" "$ID"
  assert_ok "tong run of the bundle"
  assert_eq "it prints what Cmd prints" "$OUT" "hello-from-image"
  # An existing non-empty rootfs is refused, and left alone.
  sh_run "$IMG" --root "$s" unpack "$REG/test/busybox:v1" "$B"
  assert_fails "unpack into a non-empty rootfs fails"
  assert_true "that rootfs is kept" test -x "$B/rootfs/bin/busybox"
}

test_config() {
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$REG/test/conf:v1" || { bail "pull" "$ERR"; return; }
  sh_run "$IMG" --root "$s" unpack "$REG/test/conf:v1" "$B" -e FOO=over -e NEW=1
  assert_ok "unpack" || return
  local c=$B/config.json
  assert_eq "args = Entrypoint ++ Cmd" "$(jq -c .process.args "$c")" '["/bin/sh","-c","echo $FOO $NEW $(id -u) $(id -G) $(pwd)"]'
  assert_eq "-e replaces the image's FOO" "$(jq -r '.process.env[0]' "$c")" "FOO=over"
  assert_eq "cwd = WorkingDir" "$(jq -r .process.cwd "$c")" "/work"
  assert_eq "user by name from the rootfs's passwd" "$(jq -c .process.user "$c")" '{"uid":1000,"gid":1000,"additionalGids":[2000]}'
  assert_eq "label as an annotation" "$(jq -r '.annotations["com.example.label"]' "$c")" "yes"
  assert_eq "a label wins over the implicit annotation" "$(jq -r '.annotations["org.opencontainers.image.author"]' "$c")" "label-author"
  assert_eq "exposedPorts annotation" "$(jq -r '.annotations["org.opencontainers.image.exposedPorts"]' "$c")" "8080/tcp"
  assert_eq "volumes annotation" "$(jq -r '.annotations["io.tong.image.volumes"]' "$c")" "/data"
  assert_eq "stopSignal annotation" "$(jq -r '.annotations["org.opencontainers.image.stopSignal"]' "$c")" "SIGINT"
  local vid
  vid=$(printf /data | sha256sum | cut -c1-12)
  assert_eq "an anonymous volume by default" "$(jq -c '.mounts[] | select(.destination == "/data") | [.type, .source]' "$c")" "[\"bind\",\"volumes/$vid\"]"
  assert_true "its directory in the bundle" test -d "$B/volumes/$vid"
  tong_to "$T/run.out" run -b "$B" "$ID"
  assert_ok "tong run"
  assert_eq "the process sees env, user, groups, cwd" "$OUT" "over 1 1000 1000 2000 /work"

  rm -rf "$T/b2"
  sh_run "$IMG" --root "$s" unpack "$REG/test/conf:v1" "$T/b2" --user 0:0 --entrypoint /bin/true \
    --image-volumes ignore --tty
  assert_ok "unpack with overrides"
  assert_eq "--entrypoint drops Cmd" "$(jq -c .process.args "$T/b2/config.json")" '["/bin/true"]'
  assert_eq "--user numeric" "$(jq -c .process.user "$T/b2/config.json")" '{"uid":0,"gid":0}'
  assert_eq "--image-volumes ignore: no mount" "$(jq '[.mounts[] | select(.destination == "/data")] | length' "$T/b2/config.json")" 0
  assert_eq "--tty" "$(jq .process.terminal "$T/b2/config.json")" true
  sh_run "$IMG" --root "$s" unpack "$REG/test/conf:v1" "$T/b3" --user nosuchuser
  assert_fails "an unknown user is an error"
  assert_contains "it names the user" "$ERR" "nosuchuser"
  assert_false "and leaves no rootfs" test -e "$T/b3/rootfs"
  # The store named by the environment; a PATH given is kept, no default added.
  sh_run env TONG_IMAGE_ROOT="$s" "$IMG" unpack "$REG/test/conf:v1" "$T/b4" -e PATH=/only/here
  assert_ok "TONG_IMAGE_ROOT names the store" || return
  assert_eq "a PATH given is the only PATH" \
    "$(jq -c '[.process.env[] | select(startswith("PATH="))]' "$T/b4/config.json")" '["PATH=/only/here"]'
  sh_run env TONG_IMAGE_ROOT="$T/empty-store" "$IMG" images -q
  assert_eq "another TONG_IMAGE_ROOT: another (empty) store" "$OUT" ""
}

test_whiteouts() {
  local s=$T/store r=$B/rootfs
  sh_run "$IMG" --root "$s" pull "$REG/test/wh:v1" || { bail "pull" "$ERR"; return; }
  sh_run "$IMG" --root "$s" unpack "$REG/test/wh:v1" "$B"
  assert_ok "unpack of the three-layer image" || return
  assert_false "whiteout removed data/a" test -e "$r/data/a"
  assert_true "data/b kept" test -f "$r/data/b"
  assert_false "whiteout of a directory removed data/sub" test -e "$r/data/sub"
  assert_false "opaque hid opq/x" test -e "$r/opq/x"
  assert_false "opaque hid opq/sub" test -e "$r/opq/sub"
  assert_eq "opaque kept this layer's opq/new (written before the marker)" "$(cat "$r/opq/new" 2>&1)" "new"
  assert_eq "opaque kept this layer's opq/later (written after)" "$(cat "$r/opq/later" 2>&1)" "later"
  assert_eq "no .wh. entry left" "$(find "$r" -name '.wh.*' | wc -l)" 0
  assert_true "lib2 is still a symlink" test -L "$r/lib2"
  assert_eq "lib2/added went through the symlink" "$(cat "$r/usr/lib2/added" 2>&1)" "added"
  assert_true "usr/lib2/old kept" test -f "$r/usr/lib2/old"
  assert_eq "hard link kept" "$(stat -c %i "$r/data/b")" "$(stat -c %i "$r/data/b-link")"
  assert_eq "owner kept (numeric)" "$(stat -c %u:%g "$r/data/owned")" "4242:4343"
  assert_eq "mtime kept" "$(stat -c %Y "$r/data/b")" "1000000000"
  assert_eq "a user xattr kept" "$(getfattr --absolute-names --only-values -n user.tong "$r/data/xattr" 2>&1)" "kept"
  assert_eq "numeric owner, not the host's uid for the name" "$(stat -c %u:%g "$r/data/named")" "4444:4545"
  umoci unpack --image "$FIX/oci:wh" "$T/ref" >/dev/null 2>&1 || { bail "umoci unpack" "failed"; return; }
  assert_eq "tree equals umoci unpack" "$(tree_listing "$r")" "$(tree_listing "$T/ref/rootfs")"
}

test_formats() {
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$REG/test/docker:v1"
  assert_ok "pull of a Docker schema2 image" || return
  assert_eq "stored as a Docker manifest" \
    "$(jq -r '.manifests[0].mediaType' "$s/index.json")" "application/vnd.docker.distribution.manifest.v2+json"
  sh_run "$IMG" --root "$s" unpack "$REG/test/docker:v1" "$B"
  assert_ok "unpack of the Docker image"
  local gz
  gz=$(tree_listing "$B/rootfs")
  tong_to "$T/run1.out" run -b "$B" "$ID"
  assert_eq "it runs" "$OUT" "hello-from-image"

  sh_run "$IMG" --root "$s" pull "$REG/test/zstd:v1"
  assert_ok "pull of a zstd image" || return
  sh_run "$IMG" --root "$s" inspect "$REG/test/zstd:v1"
  assert_eq "its layer is zstd" "$(printf '%s' "$OUT" | jq -r '.Manifest.layers[0].mediaType')" \
    "application/vnd.oci.image.layer.v1.tar+zstd"
  sh_run "$IMG" --root "$s" unpack "$REG/test/zstd:v1" "$T/bz"
  assert_ok "unpack of the zstd image (DiffID checked)"
  assert_eq "zstd tree equals the gzip one" "$(tree_listing "$T/bz/rootfs")" "$gz"

  sh_run "$IMG" --root "$s" pull "$REG/test/plain:v1"
  assert_ok "pull of an uncompressed image" || return
  sh_run "$IMG" --root "$s" unpack "$REG/test/plain:v1" "$T/bp"
  assert_ok "unpack of the uncompressed image"
  assert_eq "plain tree equals the gzip one" "$(tree_listing "$T/bp/rootfs")" "$gz"
}

test_platforms() {
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$REG/test/multi:v1"
  assert_ok "pull of a two-platform index (arm64 first)" || return
  assert_contains "the index digest is shown" "$OUT" "Digest: $MULTI_DIGEST"
  sh_run "$IMG" --root "$s" inspect "$REG/test/multi:v1"
  assert_eq "the host's platform was chosen" "$(printf '%s' "$OUT" | jq -r .Config.architecture)" "$HOST_ARCH"
  assert_eq "inspect lists both platforms" "$(printf '%s' "$OUT" | jq -c .Platforms)" '["linux/arm64","linux/amd64"]'
  local s2=$T/store2
  sh_run "$IMG" --root "$s2" pull --platform linux/arm64 "$REG/test/multi:v1"
  assert_ok "pull --platform linux/arm64"
  sh_run "$IMG" --root "$s2" inspect "$REG/test/multi:v1"
  assert_eq "arm64 was chosen" "$(printf '%s' "$OUT" | jq -r .Config.architecture)" "arm64"
  sh_run "$IMG" --root "$s2" pull --platform linux/s390x "$REG/test/multi:v1"
  assert_fails "a platform the index lacks fails"
  assert_contains "it names the platform" "$ERR" "linux/s390x"
  sh_run "$IMG" --root "$s2" images --digests
  assert_contains "images --digests shows the index digest" "$OUT" "$MULTI_DIGEST"
  # The same as a Docker manifest list.
  sh_run "$IMG" --root "$s2" pull "$REG/test/dlist:v1"
  assert_ok "pull of a Docker manifest list"
  sh_run "$IMG" --root "$s2" inspect "$REG/test/dlist:v1"
  assert_eq "the host's platform from the list" "$(printf '%s' "$OUT" | jq -r .Config.architecture)" "$HOST_ARCH"
  assert_eq "a Docker schema2 manifest" "$(printf '%s' "$OUT" | jq -r .Manifest.mediaType)" \
    "application/vnd.docker.distribution.manifest.v2+json"
  assert_eq "the list's platforms" "$(printf '%s' "$OUT" | jq -c .Platforms)" '["linux/arm64","linux/amd64"]'

}

test_rmi_prune_df() {
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox:v1" && sh_run "$IMG" --root "$s" pull "$REG/test/conf:v1" ||
    { bail "pull" "$ERR"; return; }
  sh_run "$IMG" --root "$s" df -v
  assert_ok "df"
  assert_match "df: two images" "$OUT" '^Images +2 '
  assert_match "df -v: busybox shares its layer" "$OUT" "$REG/test/busybox +v1 .* [0-9.]+MB +[0-9.]+MB +[0-9.]+k?B$"
  local n_before
  n_before=$(ls "$s/blobs/sha256" | wc -l)
  sh_run "$IMG" --root "$s" rmi "$REG/test/conf:v1"
  assert_ok "rmi"
  assert_contains "rmi untags" "$OUT" "Untagged: $REG/test/conf:v1"
  assert_not_contains "the shared layer stays" "$OUT" "$BASE_LAYER"
  assert_true "the layer file stays" test -f "$s/blobs/sha256/${BASE_LAYER:7}"
  assert_eq "conf's manifest and config went" "$(ls "$s/blobs/sha256" | wc -l)" "$((n_before - 2))"
  sh_run "$IMG" --root "$s" unpack "$REG/test/busybox:v1" "$B"
  assert_ok "the other image still unpacks"
  # A blob no name reaches (a manifest copied in by hand) goes with prune.
  printf 'stray' >"$s/blobs/sha256/$(printf stray | sha256sum | cut -d' ' -f1)"
  sh_run "$IMG" --root "$s" prune
  assert_ok "prune"
  assert_contains "prune deletes the stray blob" "$OUT" "Deleted: sha256:$(printf stray | sha256sum | cut -d' ' -f1)"
  assert_true "busybox's layer stays" test -f "$s/blobs/sha256/${BASE_LAYER:7}"
  sh_run "$IMG" --root "$s" rmi "${BASE_CONFIG:7:12}"
  assert_ok "rmi by image ID"
  assert_eq "the store is empty" "$(ls "$s/blobs/sha256" | wc -l)" 0
  assert_eq "no unpacked size outlives its layer" "$(ls -A "$s/tong-sizes" | wc -l)" 0
  assert_eq "index.json is empty" "$(jq '.manifests | length' "$s/index.json")" 0
  sh_run "$IMG" --root "$s" rmi "$REG/test/busybox:v1"
  assert_fails "rmi of an unknown name fails"
}

# ---- errors ----------------------------------------------------------------------

test_errors() {
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox:nosuchtag"
  assert_exit "unknown tag: exit 1" 1
  assert_contains "MANIFEST_UNKNOWN" "$ERR" "MANIFEST_UNKNOWN"
  assert_contains "the reference is named" "$ERR" "$REG/test/busybox:nosuchtag"
  sh_run "$IMG" --root "$s" pull "$REG/test/nosuchrepo:v1"
  assert_fails "unknown repository fails"
  assert_match "NAME_UNKNOWN or MANIFEST_UNKNOWN" "$ERR" "(NAME|MANIFEST)_UNKNOWN"
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox@sha256:$(printf x | sha256sum | cut -d' ' -f1)"
  assert_fails "unknown digest fails"
  sh_run "$IMG" --root "$s" pull "Not/Valid"
  assert_fails "a bad reference fails"
  assert_contains "it says why" "$ERR" "invalid reference format"
  sh_run "$IMG" --root "$s" pull "$REG/test/artifact:v1"
  assert_fails "an artifact (not an image config) is refused"
  assert_contains "unsupported media type" "$ERR" "unsupported"
  sh_run "$IMG" --root "$s" pull "$REG/test/corrupt:v1"
  assert_fails "a blob whose bytes do not match its digest is refused"
  assert_contains "digest mismatch" "$ERR" "digest mismatch"
  assert_eq "no name recorded" "$(jq '.manifests | length' "$s/index.json")" 0
  assert_false "the corrupt layer is not in blobs/" test -e "$s/blobs/sha256/${CORRUPT_LAYER:7}"
  assert_eq "ingest/ is empty" "$(ls -A "$s/ingest" | wc -l)" 0
  sh_run "$IMG" --root "$s" unpack "$REG/test/busybox:v1" "$B"
  assert_fails "unpack of an image not pulled fails"
  assert_contains "no such image" "$ERR" "no such image"
  sh_run "$IMG" --root "$s" frobnicate
  assert_fails "an unknown command fails"
  sh_run "$IMG" --help
  assert_contains "--help lists import" "$OUT" "import"
}

test_store_corruption() {
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox:v1" || { bail "pull" "$ERR"; return; }
  # A layer changed in the store after the pull: unpack's digest check catches it.
  local f=$s/blobs/sha256/${BASE_LAYER:7}
  printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
  sh_run "$IMG" --root "$s" unpack "$REG/test/busybox:v1" "$B"
  assert_fails "unpack of a corrupted layer fails"
  assert_false "it leaves no rootfs" test -e "$B/rootfs"
  assert_false "and no config.json" test -e "$B/config.json"
}

# ---- import -------------------------------------------------------------------------

test_import() {
  local s=$T/store
  sh_run skopeo copy -q "oci:$FIX/oci:wh" "docker-archive:$T/a.tar:test/imported:v1"
  assert_ok "skopeo writes a docker-archive" || return
  sh_run "$IMG" --root "$s" import "$T/a.tar"
  assert_ok "import of the docker-archive"
  assert_eq "its RepoTags name it" "$OUT" "Loaded image: docker.io/test/imported:v1"
  sh_run "$IMG" --root "$s" unpack test/imported:v1 "$B"
  assert_ok "unpack of the imported image"
  umoci unpack --image "$FIX/oci:wh" "$T/ref" >/dev/null 2>&1 || { bail "umoci unpack" "failed"; return; }
  assert_eq "tree equals umoci unpack of the source" "$(tree_listing "$B/rootfs")" "$(tree_listing "$T/ref/rootfs")"

  sh_run "$IMG" --root "$s" import "$FIX/oci:conf" localhost/conf:v1
  assert_ok "import of one image of an OCI layout, under a new name"
  assert_eq "it says so" "$OUT" "Loaded image: localhost/conf:v1"
  sh_run "$IMG" --root "$s" unpack localhost/conf:v1 "$T/b2"
  assert_ok "unpack of it"
  tong_to "$T/run.out" run -b "$T/b2" "$ID"
  assert_eq "tong run of the imported image" "$OUT" "bar 1000 1000 2000 /work"

  # An index from a layout: both platforms' manifests come along.
  sh_run "$IMG" --root "$s" import "$FIX/oci:multi" localhost/multi:v1
  assert_ok "import of an index"
  sh_run "$IMG" --root "$s" inspect --platform linux/arm64 localhost/multi:v1
  assert_eq "its arm64 image" "$(printf '%s' "$OUT" | jq -r .Config.architecture)" "arm64"
  sh_run "$IMG" --root "$s" inspect localhost/multi:v1
  assert_eq "and the host's" "$(printf '%s' "$OUT" | jq -r .Config.architecture)" "$HOST_ARCH"

  # A layer whose content does not match the config's DiffID.
  mkdir -p "$T/x" && tar -C "$T/x" -xf "$T/a.tar" || { bail "untar" "failed"; return; }
  local layer
  layer=$(jq -r '.[0].Layers[1]' "$T/x/manifest.json")
  layer=$(readlink -f "$T/x/$layer")
  chmod u+w "$layer"
  printf 'tampered' >>"$layer"
  tar -C "$T/x" -cf "$T/bad.tar" . || { bail "tar" "failed"; return; }
  sh_run "$IMG" --root "$T/s2" import "$T/bad.tar"
  assert_fails "import of a tampered archive fails"
  assert_contains "DiffID mismatch" "$ERR" "DiffID mismatch"
  assert_eq "nothing recorded" "$(jq '.manifests | length' "$T/s2/index.json")" 0
  assert_eq "ingest/ is empty" "$(ls -A "$T/s2/ingest" | wc -l)" 0
  mkdir -p "$T/notlayout"
  sh_run "$IMG" --root "$T/s2" import "$T/notlayout"
  assert_fails "a directory that is not a layout is refused"
}

# ---- a pull killed midway ---------------------------------------------------------

# make_fake_registry DIR HALF: a handler for busybox nc that serves the base
# image but stops after HALF bytes of the layer (and says its pid).
make_fake_registry() {
  local w=$1 half=$2 m=$FIX/oci/blobs/sha256
  {
    echo '#!/bin/bash'
    # A TLS ClientHello (tong-image tries HTTPS first): hang up at once.
    echo 'IFS= read -r -n 1 first; [ "$first" = $'"'"'\x16'"'"' ] && exit 0'
    echo 'read -r rest; read -r method path proto <<<"$first$rest"'
    echo 'while read -r line; do line=${line%$'"'"'\r'"'"'}; [ -z "$line" ] && break; done'
    echo 'send() { printf "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %s\r\nConnection: close\r\n\r\n" "$1" "$(stat -c %s "$2")"; }'
    echo 'case $path in'
    echo '  /v2/) printf "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}" ;;'
    echo "  */manifests/*) send application/vnd.oci.image.manifest.v1+json '$m/${BASE_DIGEST:7}'; cat '$m/${BASE_DIGEST:7}' ;;"
    echo "  */blobs/$BASE_CONFIG) send application/octet-stream '$m/${BASE_CONFIG:7}'; cat '$m/${BASE_CONFIG:7}' ;;"
    echo "  */blobs/$BASE_LAYER) send application/octet-stream '$m/${BASE_LAYER:7}'; head -c $half '$m/${BASE_LAYER:7}'; echo \$\$ >'$w/stall.pid'; exec sleep 60 ;;"
    echo '  *) printf "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" ;;'
    echo 'esac'
  } >"$w/handler"
  chmod +x "$w/handler"
}

# The fake registry runs in a network namespace of its own (busybox nc
# cannot bind to 127.0.0.1 only; there only a loopback exists), with the pull.
test_killed_pull() {
  command -v unshare >/dev/null && command -v ip >/dev/null || { bail "tools" "unshare and ip needed"; return; }
  local s=$T/store w=$T/fake
  mkdir -p "$w"
  local half=$(($(stat -c %s "$FIX/oci/blobs/sha256/${BASE_LAYER:7}") / 2))
  make_fake_registry "$w" "$half"
  cat >"$w/ns.sh" <<EOF
ip link set lo up || exit 1
busybox nc -ll -p 5000 -e '$w/handler' & echo \$! >'$w/nc.pid'
for i in \$(seq 50); do busybox nc -w 1 127.0.0.1 5000 </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
'$IMG' --root '$s' pull 127.0.0.1:5000/test/slow:v1 >'$w/pull.out' 2>&1 & echo \$! >'$w/pull.pid'
wait \$(cat '$w/pull.pid')
kill \$(cat '$w/nc.pid')
EOF
  unshare -n bash "$w/ns.sh" >"$w/ns.log" 2>&1 </dev/null &
  local ns=$!
  defer "kill $ns; kill \$(cat '$w/nc.pid') \$(cat '$w/stall.pid'); kill -9 \$(cat '$w/pull.pid')"
  # Wait for a state, not a time: half the layer is in ingest/.
  local i got=0
  for ((i = 0; i < 300; i++)); do
    got=$(find "$s/ingest" -type f -size +$((half / 1024 - 1))k 2>/dev/null | wc -l)
    [ "$got" -ge 1 ] && [ -s "$w/stall.pid" ] && break
    sleep 0.05
  done
  assert_eq "half the layer arrived in ingest/" "$got" 1 || { cat "$w/ns.log" "$w/pull.out" >&2; ls -la "$s/ingest" >&2; return; }
  kill -9 "$(cat "$w/pull.pid")"
  wait "$ns"
  kill "$(cat "$w/stall.pid")" 2>/dev/null
  assert_false "no half blob in blobs/" test -e "$s/blobs/sha256/${BASE_LAYER:7}"
  assert_eq "index.json has no name" "$(jq '.manifests | length' "$s/index.json")" 0
  local bad=0 f
  for f in "$s"/blobs/sha256/*; do
    [ -e "$f" ] || continue
    [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "${f##*/}" ] || bad=$((bad + 1))
  done
  assert_eq "every blob in blobs/ is whole" "$bad" 0
  # What it stored is reached by no name: prune takes it (and, a writer,
  # cleans ingest/).
  sh_run "$IMG" --root "$s" prune
  assert_ok "prune after the killed pull"
  assert_eq "prune left no blob: none was reachable" "$(ls -A "$s/blobs/sha256" | wc -l)" 0
  assert_eq "and emptied ingest/" "$(ls -A "$s/ingest" | wc -l)" 0
  # The next pull completes.
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox:v1"
  assert_ok "a new pull succeeds"
  assert_eq "ingest/ is empty again" "$(ls -A "$s/ingest" | wc -l)" 0
  assert_true "the layer is whole now" test -f "$s/blobs/sha256/${BASE_LAYER:7}"
}

# A pull in progress (stalled half-way through its layer by the fake
# registry, in a network namespace of its own) does not hold up the others:
# images, unpack and a pull of another image run beside it; rmi and prune
# wait for it (they remove blobs) and then work.
test_pull_beside() {
  command -v unshare >/dev/null && command -v ip >/dev/null || { bail "tools" "unshare and ip needed"; return; }
  local s=$T/store w=$T/fake
  mkdir -p "$w"
  local half=$(($(stat -c %s "$FIX/oci/blobs/sha256/${BASE_LAYER:7}") / 2))
  make_fake_registry "$w" "$half"
  cat >"$w/ns.sh" <<NS
ip link set lo up || exit 1
busybox nc -ll -p 5000 -e '$w/handler' & echo \$! >'$w/nc.pid'
for i in \$(seq 50); do busybox nc -w 1 127.0.0.1 5000 </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
'$IMG' --root '$s' pull 127.0.0.1:5000/test/slow:v1 >'$w/pull.out' 2>&1 & echo \$! >'$w/pull.pid'
wait \$(cat '$w/pull.pid')
kill \$(cat '$w/nc.pid')
NS
  unshare -n bash "$w/ns.sh" >"$w/ns.log" 2>&1 </dev/null &
  local ns=$!
  defer "kill $ns; kill \$(cat '$w/nc.pid') \$(cat '$w/stall.pid'); kill -9 \$(cat '$w/pull.pid')"
  local i got=0
  for ((i = 0; i < 300; i++)); do
    got=$(find "$s/ingest" -type f -size +$((half / 1024 - 1))k 2>/dev/null | wc -l)
    [ "$got" -ge 1 ] && [ -s "$w/stall.pid" ] && break
    sleep 0.05
  done
  assert_eq "a pull is stalled half-way" "$got" 1 || { cat "$w/ns.log" "$w/pull.out" >&2; return; }
  # zstd:v1 has layers of its own (the same tree, recompressed).
  sh_run "$IMG" --root "$s" pull "$REG/test/zstd:v1"
  assert_ok "another pull runs beside it" || return
  sh_run "$IMG" --root "$s" images --format json
  assert_ok "images runs beside it"
  assert_eq "and lists the image just pulled, not the stalled one" \
    "$(printf '%s' "$OUT" | jq -c '[.[].name]')" "[\"$REG/test/zstd:v1\"]"
  sh_run "$IMG" --root "$s" unpack "$REG/test/zstd:v1" "$B"
  assert_ok "unpack runs beside it"
  assert_true "the stalled pull still runs" kill -0 "$(cat "$w/pull.pid")"
  kill -9 "$(cat "$w/pull.pid")"
  wait "$ns"
  kill "$(cat "$w/stall.pid")" 2>/dev/null
  sh_run "$IMG" --root "$s" rmi "$REG/test/zstd:v1"
  assert_ok "rmi once it is gone"
  sh_run "$IMG" --root "$s" prune
  assert_ok "prune"
  assert_eq "nothing left in blobs/" "$(ls -A "$s/blobs/sha256" | wc -l)" 0
  assert_eq "nor in ingest/ (the killed pull's download and lock)" "$(ls -A "$s/ingest" | wc -l)" 0
  assert_eq "index.json is empty" "$(jq '.manifests | length' "$s/index.json")" 0
}

# ---- registry behaviour a real registry will not show: a fake one ----------------

# The handler busybox nc runs per connection (paths from the environment).
write_fake_handler() {
  cat >"$1" <<'EOF'
#!/bin/bash
# A TLS ClientHello (tong-image tries HTTPS first): hang up at once.
IFS= read -r -n 1 first; [ "$first" = $'\x16' ] && exit 0
read -r rest; read -r method path proto <<<"$first$rest"
auth="" host=""
while IFS= read -r line; do
  line=${line%$'\r'}
  [ -z "$line" ] && break
  case ${line,,} in
    authorization:*) auth=${line#*: } ;;
    host:*) host=${line#*: } ;;
    accept:*) echo "$path ${line#*: }" >>"$FAKE_DIR/accept" ;;
  esac
done
echo "$host $path auth=${auth:+yes}" >>"$FAKE_DIR/requests"
reply() { # STATUS CONTENT-TYPE FILE [HEADER...]
  local st=$1 ct=$2 f=$3 h
  shift 3
  printf 'HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %s\r\nConnection: close\r\n' "$st" "$ct" "$(stat -c %s "$f")"
  for h in "$@"; do printf '%s\r\n' "$h"; done
  printf '\r\n'
  cat "$f"
}
printf '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' >"$FAKE_DIR/429.json"
printf '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}' >"$FAKE_DIR/403.json"
printf '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}' >"$FAKE_DIR/401.json"
printf '{}' >"$FAKE_DIR/empty.json"
case $path in
  /storage/layer) reply "200 OK" application/octet-stream "$BLOBS/${BASE_LAYER:7}"; exit ;;
  /v2/test/limited/*) reply "429 Too Many Requests" application/json "$FAKE_DIR/429.json" "Retry-After: 42"; exit ;;
  /v2/test/denied/*) reply "403 Forbidden" application/json "$FAKE_DIR/403.json"; exit ;;
esac
# Bearer: tokens that live 3 seconds, and a config that takes 4.
case $path in
  /token\?*)
    printf '{"token":"tok-%s","expires_in":3}' "$(date +%s%N)" >"$FAKE_DIR/token.json"
    reply "200 OK" application/json "$FAKE_DIR/token.json"
    exit ;;
  /v2/test/bearer/*)
    case $auth in
      "Bearer tok-"*) ;;
      *) reply "401 Unauthorized" application/json "$FAKE_DIR/401.json" \
        'WWW-Authenticate: Bearer realm="http://127.0.0.1:5000/token",service="fake registry",scope="repository:test/bearer:pull"'
        exit ;;
    esac
    case $path in
      */manifests/*) reply "200 OK" application/vnd.oci.image.manifest.v1+json "$BLOBS/${BASE_DIGEST:7}" ;;
      */blobs/$BASE_CONFIG) sleep 4; reply "200 OK" application/octet-stream "$BLOBS/${BASE_CONFIG:7}" ;;
      */blobs/$BASE_LAYER) reply "200 OK" application/octet-stream "$BLOBS/${BASE_LAYER:7}" ;;
    esac
    exit ;;
esac
if [ -z "$auth" ]; then
  reply "401 Unauthorized" application/json "$FAKE_DIR/401.json" 'WWW-Authenticate: Basic realm="fake"'
  exit
fi
case $path in
  /v2/) reply "200 OK" application/json "$FAKE_DIR/empty.json" ;;
  /v2/test/schema1/manifests/*)
    printf '{"schemaVersion":1,"name":"test/schema1","tag":"v1","architecture":"amd64","fsLayers":[],"history":[]}' >"$FAKE_DIR/s1.json"
    reply "200 OK" application/vnd.docker.distribution.manifest.v1+prettyjws "$FAKE_DIR/s1.json" ;;
  /v2/test/baddigest/manifests/*) reply "200 OK" application/vnd.oci.image.manifest.v1+json "$BLOBS/${BASE_DIGEST:7}" "Docker-Content-Digest: sha256:$(printf '0%.0s' {1..64})" ;;
  */manifests/*) reply "200 OK" application/vnd.oci.image.manifest.v1+json "$BLOBS/${BASE_DIGEST:7}" "Docker-Content-Digest: $BASE_DIGEST" ;;
  */blobs/$BASE_CONFIG) reply "200 OK" application/octet-stream "$BLOBS/${BASE_CONFIG:7}" ;;
  /v2/test/bigger/blobs/$BASE_LAYER) reply "200 OK" application/octet-stream "$FAKE_DIR/bigger" ;;
  /v2/test/redir/blobs/$BASE_LAYER) reply "307 Temporary Redirect" text/plain "$FAKE_DIR/empty.json" "Location: http://127.0.0.2:5000/storage/layer" ;;
  /v2/test/remote/blobs/$BASE_LAYER) reply "307 Temporary Redirect" text/plain "$FAKE_DIR/empty.json" "Location: http://192.0.2.1:5000/storage/layer" ;;
  *) reply "404 Not Found" application/json "$FAKE_DIR/empty.json" ;;
esac
EOF
  chmod +x "$1"
}

# The fake registry runs in a network namespace of its own (busybox nc
# cannot bind to 127.0.0.1 only; there only a loopback exists), with the
# pulls, so even a redirect elsewhere could reach nothing.
test_fake_registry() {
  command -v unshare >/dev/null && command -v ip >/dev/null && command -v script >/dev/null ||
    { bail "tools" "unshare, ip and script needed"; return; }
  local w=$T/fake
  mkdir -p "$w"
  write_fake_handler "$w/handler"
  echo "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"$(printf u:p | base64)\"}}}" >"$w/auth.json"
  cat >"$w/ns.sh" <<EOF
ip link set lo up || exit 1
export FAKE_DIR='$w' BLOBS='$FIX/oci/blobs/sha256' BASE_DIGEST='$BASE_DIGEST' BASE_CONFIG='$BASE_CONFIG' BASE_LAYER='$BASE_LAYER'
busybox nc -ll -p 5000 -e '$w/handler' & echo \$! >'$w/nc.pid'
for i in \$(seq 50); do busybox nc -w 1 127.0.0.1 5000 </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
: >'$w/requests'
i=0
{ cat "\$BLOBS/\${BASE_LAYER:7}"; printf junk; } >'$w/bigger'
for ref in redir limited denied remote baddigest bigger schema1 bearer; do
  i=\$((i + 1))
  timeout 60 '$IMG' --root '$T/s'\$i pull --authfile '$w/auth.json' 127.0.0.1:5000/test/\$ref:v1 >'$w/'\$ref.out 2>'$w/'\$ref.err
  echo \$? >'$w/'\$ref.rc
done
# On a terminal: progress lines.
TERM=xterm timeout 60 script -qec "'$IMG' --root '$T/s9' pull --authfile '$w/auth.json' 127.0.0.1:5000/test/redir:v1" /dev/null >'$w/tty.out' 2>&1
kill \$(cat '$w/nc.pid')
EOF
  unshare -n bash "$w/ns.sh" >"$w/ns.log" 2>&1 </dev/null
  assert_eq "pull through a redirect" "$(cat "$w/redir.rc")" 0 || cat "$w/redir.err" "$w/ns.log" >&2
  assert_contains "the registry got the credentials" "$(cat "$w/requests")" "127.0.0.1:5000 /v2/test/redir/manifests/v1 auth=yes"
  assert_contains "the redirect target was asked" "$(cat "$w/requests")" "127.0.0.2:5000 /storage/layer auth="
  assert_not_contains "without the Authorization header" "$(cat "$w/requests")" "127.0.0.2:5000 /storage/layer auth=yes"
  assert_true "the layer arrived whole" test -f "$T/s1/blobs/sha256/${BASE_LAYER:7}"
  assert_eq "429: exit 1" "$(cat "$w/limited.rc")" 1
  assert_contains "TOOMANYREQUESTS and Retry-After" "$(cat "$w/limited.err")" "TOOMANYREQUESTS: slow down (HTTP 429, Retry-After 42)"
  assert_eq "403: exit 1" "$(cat "$w/denied.rc")" 1
  assert_contains "DENIED and its message" "$(cat "$w/denied.err")" "DENIED: requested access to the resource is denied"
  assert_eq "a redirect to plain HTTP elsewhere: exit 1" "$(cat "$w/remote.rc")" 1
  assert_contains "refused, not followed" "$(cat "$w/remote.err")" "refusing the redirect to http://192.0.2.1"
  assert_not_contains "192.0.2.1 was never asked" "$(cat "$w/requests")" "192.0.2.1"
  assert_false "no layer for the refused one" test -e "$T/s4/blobs/sha256/${BASE_LAYER:7}"
  assert_eq "a layer longer than the manifest says: exit 1" "$(cat "$w/bigger.rc")" 1
  assert_contains "size mismatch" "$(cat "$w/bigger.err")" "size mismatch"
  assert_false "no layer stored" test -e "$T/s6/blobs/sha256/${BASE_LAYER:7}"
  assert_eq "nothing in ingest/" "$(ls -A "$T/s6/ingest" | wc -l)" 0
  assert_eq "a Docker schema 1 manifest: exit 1" "$(cat "$w/schema1.rc")" 1
  assert_contains "refused by media type" "$(cat "$w/schema1.err")" "unsupported media type \`application/vnd.docker.distribution.manifest.v1+prettyjws\`"
  assert_eq "pull with expiring Bearer tokens" "$(cat "$w/bearer.rc")" 0
  assert_eq "an expired token was renewed (two token requests)" "$(grep -c ' /token?' "$w/requests")" 2
  assert_contains "the token request has the service and scope" "$(grep -m1 ' /token?' "$w/requests")" \
    "/token?service=fake%20registry&scope=repository%3Atest%2Fbearer%3Apull"
  assert_eq "a wrong Docker-Content-Digest: exit 1" "$(cat "$w/baddigest.rc")" 1
  assert_contains "manifest digest mismatch" "$(cat "$w/baddigest.err")" "manifest digest mismatch"
  local acc
  acc=$(grep -m1 '/manifests/' "$w/accept")
  assert_contains "Accept: OCI index" "$acc" "application/vnd.oci.image.index.v1+json"
  assert_contains "Accept: OCI manifest" "$acc" "application/vnd.oci.image.manifest.v1+json"
  assert_contains "Accept: Docker manifest list" "$acc" "application/vnd.docker.distribution.manifest.list.v2+json"
  assert_contains "Accept: Docker schema2" "$acc" "application/vnd.docker.distribution.manifest.v2+json"
  local tty
  tty=$(tr -d '\r' <"$w/tty.out")
  assert_contains "terminal: a progress bar" "$tty" "Downloading ["
  assert_contains "terminal: Pull complete" "$tty" "${BASE_LAYER:7:12}: Pull complete"
  assert_contains "terminal: the Status line" "$tty" "Status: Downloaded newer image for 127.0.0.1:5000/test/redir:v1"
}

test_concurrent() {
  local s=$T/store BASE_GETS
  BASE_GETS=$(reg_blob_gets "$BASE_LAYER")
  "$IMG" --root "$s" pull -q "$REG/test/busybox:v1" >"$T/p1" 2>&1 &
  local p1=$!
  "$IMG" --root "$s" pull -q "$REG/test/conf:v1" >"$T/p2" 2>&1 &
  local p2=$!
  "$IMG" --root "$s" pull -q "$REG/test/wh:v1" >"$T/p3" 2>&1 &
  local p3=$!
  wait $p1; local r1=$?
  wait $p2; local r2=$?
  wait $p3; local r3=$?
  assert_eq "three pulls at once succeed" "$r1 $r2 $r3" "0 0 0"
  assert_eq "index.json has the three names" "$(jq '.manifests | length' "$s/index.json")" 3
  local bad=0 f
  for f in "$s"/blobs/sha256/*; do
    [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "${f##*/}" ] || bad=$((bad + 1))
  done
  assert_eq "every blob matches its name" "$bad" 0
  assert_eq "the shared layer was fetched once more, not twice more" "$(reg_blob_gets "$BASE_LAYER")" "$((BASE_GETS + 1))"
}

test_escapes() {
  local s=$T/store
  mkdir -p "$T/outside"
  sh_run "$IMG" --root "$s" pull "$REG/test/evil:v1" || { bail "pull" "$ERR"; return; }
  sh_run "$IMG" --root "$s" unpack "$REG/test/evil:v1" "$B" --entrypoint /x
  assert_ok "unpack of a layer writing through an absolute symlink"
  assert_false "nothing written outside the rootfs" test -e "$EVIL_TARGET/pwned"
  assert_true "the write stayed inside" test -f "$B/rootfs$EVIL_TARGET/pwned"
  assert_eq "a device node" "$(stat -c '%F %t:%T' "$B/rootfs/null" 2>&1)" "character special file 1:3"
  sh_run "$IMG" --root "$s" pull "$REG/test/dotdot:v1" || { bail "pull" "$ERR"; return; }
  sh_run "$IMG" --root "$s" unpack "$REG/test/dotdot:v1" "$T/b2" --entrypoint /x
  assert_fails "a layer entry with .. is refused"
  assert_contains "it says so" "$ERR" ".."
  assert_false "no rootfs left" test -e "$T/b2/rootfs"
  assert_false "nothing written next to the bundle" test -e "$T/escape"
}

# Plain HTTP to an address that is not loopback only with --insecure.  The
# registry gets such an address (192.0.2.1, TEST-NET-1) on the loopback of a
# network namespace of the test's own, with the pulls: nothing leaves it.
test_insecure() {
  command -v unshare >/dev/null && command -v ip >/dev/null || { bail "tools" "unshare and ip needed"; return; }
  local w=$T/insecure
  mkdir -p "$w"
  printf '%s\n' 'version: 0.1' 'log:' '  level: info' 'storage:' '  filesystem:' \
    "    rootdirectory: $REG_DATA" 'http:' '  addr: "192.0.2.1:5000"' '  secret: tong-image-tests' >"$w/config.yml"
  cat >"$w/ns.sh" <<NS
ip link set lo up && ip addr add 192.0.2.1/32 dev lo || exit 1
timeout -k 5 120 docker-registry serve '$w/config.yml' >'$w/registry.log' 2>&1 </dev/null & reg=\$!
for i in \$(seq 100); do grep -q 'listening on' '$w/registry.log' && break; sleep 0.1; done
timeout 60 '$IMG' --root '$T/s1' pull 192.0.2.1:5000/test/busybox:v1 >'$w/plain.out' 2>'$w/plain.err'
echo \$? >'$w/plain.rc'
timeout 60 '$IMG' --root '$T/s2' pull --insecure 192.0.2.1:5000/test/busybox:v1 >'$w/insecure.out' 2>'$w/insecure.err'
echo \$? >'$w/insecure.rc'
kill \$reg; wait \$reg
NS
  timeout -k 5 200 unshare -n bash "$w/ns.sh" >"$w/ns.log" 2>&1 </dev/null
  assert_eq "the namespace's registry ran" "$(grep -c 'listening on' "$w/registry.log" 2>/dev/null)" 1 ||
    { cat "$w/ns.log" "$w/registry.log" >&2; return; }
  assert_eq "without --insecure: plain HTTP to 192.0.2.1 refused (exit 1)" "$(cat "$w/plain.rc")" 1
  assert_contains "the error names the registry" "$(cat "$w/plain.err")" "192.0.2.1:5000"
  assert_eq "no name recorded" "$(jq '.manifests | length' "$T/s1/index.json" 2>/dev/null || echo 0)" 0
  assert_eq "with --insecure: the pull succeeds" "$(cat "$w/insecure.rc")" 0
  assert_contains "the digest" "$(cat "$w/insecure.out")" "Digest: $BASE_DIGEST"
  assert_contains "and that --insecure allows plain HTTP" "$(cat "$w/plain.err")" "or with --insecure"
}

# On a terminal (a pty from script): one line per layer, rewritten in place
# (cursor up, clear, back down: no new line per update), ending in
# "Already exists" for a layer the store has and "Pull complete" for one it
# fetched, then the Digest and Status lines; --quiet: only the digest.
test_tty_progress() {
  command -v script >/dev/null || { bail "tools" "script needed"; return; }
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$REG/test/busybox:v1" || { bail "pull" "$ERR"; return; }
  local wm l1 l2 l3
  wm=$(layout_manifest "$FIX/oci" wh)
  l1=$(jq -r '.layers[0].digest' "$FIX/oci/blobs/sha256/${wm:7}")
  l2=$(jq -r '.layers[1].digest' "$FIX/oci/blobs/sha256/${wm:7}")
  l3=$(jq -r '.layers[2].digest' "$FIX/oci/blobs/sha256/${wm:7}")
  TERM=xterm timeout 60 script -qec "'$IMG' --root '$s' pull '$REG/test/wh:v1'" /dev/null >"$T/tty.raw" 2>&1 </dev/null
  local raw lines
  raw=$(tr -d '\r' <"$T/tty.raw")
  lines=$(printf '%s\n' "$raw" | sed 's/\x1b\[[0-9]*[ABK]//g')
  assert_eq "seven lines: Pulling from, one per layer, Digest, Status, the name" "$(printf '%s\n' "$raw" | wc -l)" 7
  assert_eq "each layer's line starts as Waiting" \
    "$(printf '%s\n' "$lines" | sed -n 2,4p | tr '\n' ' ')" \
    "${l1:7:12}: Waiting ${l2:7:12}: Waiting ${l3:7:12}: Waiting "
  local ups downs
  ups=$(printf '%s' "$raw" | grep -o $'\x1b''\[[0-9]*A' | tr -dc '0-9\n' | awk '{ s += $1 } END { print s + 0 }')
  downs=$(printf '%s' "$raw" | grep -o $'\x1b''\[[0-9]*B' | tr -dc '0-9\n' | awk '{ s += $1 } END { print s + 0 }')
  assert_ne "layer lines are rewritten in place" "$ups" 0
  assert_eq "every move up to a layer's line comes back down" "$ups" "$downs"
  # The last text written for each layer is what its line shows.
  local last
  last() { printf '%s' "$raw" | sed 's/\x1b\[[0-9]*[ABK]/\n/g' | grep "^${1:7:12}: " | tail -n 1; }
  assert_eq "the shared layer: Already exists" "$(last "$l1")" "${l1:7:12}: Already exists"
  assert_eq "a new layer: Pull complete" "$(last "$l2")" "${l2:7:12}: Pull complete"
  assert_eq "the last layer: Pull complete" "$(last "$l3")" "${l3:7:12}: Pull complete"
  assert_contains "a progress bar on the way" "$raw" "Downloading ["
  assert_match "then the Digest line" "$(printf '%s\n' "$lines" | sed -n 5p)" "Digest: $(layout_manifest "$FIX/oci" wh)\$"
  assert_eq "and the Status line" "$(printf '%s\n' "$lines" | sed -n 6p)" "Status: Downloaded newer image for $REG/test/wh:v1"
  TERM=xterm timeout 60 script -qec "'$IMG' --root '$s' pull -q '$REG/test/conf:v1'" /dev/null >"$T/tty.q" 2>&1 </dev/null
  assert_eq "--quiet on a terminal: only the digest" "$(tr -d '\r' <"$T/tty.q")" "$(layout_manifest "$FIX/oci" conf)"
}

# ::1, where the host has it (no line at all where it has not).
test_ipv6() {
  local data=$REG_DATA
  REG_ADDR='[::1]' start_registry v6 "" "$data" >"$T/v6.log" 2>&1 || { bail "registry on ::1" "$(cat "$T/v6.log")"; return; }
  defer "kill ${REG_PIDS[-1]}"
  sh_run "$IMG" --root "$T/store" pull "[::1]:$REG_PORT/test/busybox:v1"
  assert_ok "pull from a registry on [::1]"
  assert_contains "the digest" "$OUT" "Digest: $BASE_DIGEST"
}

run_test pull_store test_pull_store
run_test unpack_run test_unpack_run
run_test config test_config
run_test whiteouts test_whiteouts
run_test formats test_formats
run_test platforms test_platforms
run_test rmi_prune_df test_rmi_prune_df
run_test errors test_errors
run_test store_corruption test_store_corruption
test_volumes() {
  local s=$T/store vid
  vid=$(printf /data | sha256sum | cut -c1-12)
  sh_run "$IMG" --root "$s" pull "$REG/test/vol:v1" || { bail "pull" "$ERR"; return; }
  sh_run "$IMG" --root "$s" unpack "$REG/test/vol:v1" "$B"
  assert_ok "unpack of an image with a volume" || return
  assert_eq "the volume holds the image's content" "$(cat "$B/volumes/$vid/b" 2>&1)" "b"
  assert_eq "the rootfs keeps an empty mount point" "$(ls -A "$B/rootfs/data" | wc -l)" 0
  assert_eq "with the same owner and mode" "$(stat -c '%u:%g %a' "$B/rootfs/data")" "$(stat -c '%u:%g %a' "$B/volumes/$vid")"
  tong_to "$T/run.out" run -b "$B" "$ID"
  assert_ok "tong run"
  assert_eq "the container reads the seeded volume" "$OUT" "b"
  assert_eq "and writes to it (outside the rootfs)" "$(cat "$B/volumes/$vid/new" 2>&1)" "written"
  sh_run "$IMG" --root "$s" unpack "$REG/test/vol:v1" "$T/b2" --image-volumes tmpfs
  assert_ok "unpack --image-volumes tmpfs"
  assert_eq "a tmpfs instead" "$(jq -r '.mounts[] | select(.destination == "/data") | .type' "$T/b2/config.json")" "tmpfs"
  assert_eq "the content stays in the rootfs" "$(cat "$T/b2/rootfs/data/b" 2>&1)" "b"
  assert_false "no volumes dir" test -e "$T/b2/volumes"
  sh_run "$IMG" --root "$s" unpack "$REG/test/vol:v1" "$T/b3" --image-volumes bogus
  assert_fails "an unknown --image-volumes mode fails"
}

run_test import test_import
run_test volumes test_volumes
run_test concurrent test_concurrent
run_test escapes test_escapes
run_test killed_pull test_killed_pull
run_test pull_beside test_pull_beside
run_test fake_registry test_fake_registry
run_test tty_progress test_tty_progress
run_test insecure test_insecure
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
  run_test ipv6 test_ipv6
fi
