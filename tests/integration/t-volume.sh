#!/bin/bash
# tong-volume: volumes that outlive containers, attached to bundles by
# editing config.json, checked with real containers run by tong.
. "$(dirname "$0")/lib.sh"

EROFS=30
TV=${TONG_VOLUME:-$TOP/tong-volume}
if [ ! -x "$TV" ]; then
  echo "not ok $AREA: $TV not built"
  exit 1
fi

# tv ARGS...: tong-volume with this test's store; sets RC, OUT, ERR.
tv() { sh_run "$TV" --root "$T/volumes" "$@"; }

t_persist() {
  tv create data
  assert_ok "create" || return
  assert_eq "create prints the name" "$OUT" data
  make_bundle "$B" /bin/tinit write /srv/data/f from-first || return
  tv attach "$B" data:/srv/data
  assert_ok "attach" || return
  assert_eq "the mount in config.json" \
    "$(jq -c '.mounts[] | select(.destination == "/srv/data") | [.type, .source, .options]' "$B/config.json")" \
    "[\"bind\",\"$T/volumes/data/_data\",[\"rbind\",\"rprivate\",\"rw\"]]"
  tong run --bundle "$B" "$ID"
  assert_ok "the first container writes" || return
  tong delete "$ID"
  make_bundle "$T/b2" /bin/tinit cat /srv/data/f || return
  tv attach "$T/b2" data:/srv/data
  assert_ok "attach to a second bundle" || return
  tong run --bundle "$T/b2" "$ID-2"
  assert_ok "the second container reads" || return
  assert_contains "the data outlived the first container" "$OUT" from-first
  assert_eq "on the host, in _data" "$(cat "$T/volumes/data/_data/f")" from-first
}

t_readonly() {
  tv create data
  echo keep >"$T/volumes/data/_data/f"
  make_bundle "$B" /bin/tinit cat /d/f -- write /d/f overwritten || return
  tv attach "$B" data:/d:ro
  assert_ok "attach :ro" || return
  tong run --bundle "$B" "$ID"
  assert_exit "the write fails inside" 1
  assert_contains "the content is readable" "$OUT" keep
  assert_kv "EROFS" errno $EROFS
  assert_eq "the volume is unchanged" "$(cat "$T/volumes/data/_data/f")" keep
}

t_copy_up() {
  make_bundle "$B" /bin/tinit cat /etc/app/conf -- write /etc/app/conf changed || return
  local app=$B/rootfs/etc/app
  mkdir -p "$app/sub"
  echo image-conf >"$app/conf"
  echo deep >"$app/sub/deep"
  ln -s conf "$app/link"
  ln "$app/conf" "$app/hard"
  chown 1000:1000 "$app" "$app/conf"
  chmod 0750 "$app"
  chmod 0640 "$app/conf"
  touch -d '2001-02-03 04:05:06' "$app/conf"
  local xattr=no
  if command -v setfattr >/dev/null 2>&1 && setfattr -n user.tongtest -v v1 "$app/conf" 2>/dev/null; then
    xattr=yes
  fi
  # The image's owner (1000) runs it: the default capabilities have no
  # CAP_DAC_OVERRIDE, so root could not read the 0640 file.
  cfg "$B" '.process.user = {uid: 1000, gid: 1000}' || return
  tv attach "$B" app:/etc/app
  assert_ok "attach creates the volume" || return
  local d=$T/volumes/app/_data
  assert_eq "content copied" "$(cat "$d/conf")" image-conf
  assert_eq "subdirectories copied" "$(cat "$d/sub/deep")" deep
  assert_eq "symlink kept as a link" "$(readlink "$d/link")" conf
  assert_eq "hard link kept" "$(stat -c %i "$d/conf")" "$(stat -c %i "$d/hard")"
  assert_eq "file owner and mode" "$(stat -c '%u:%g %a' "$d/conf")" "1000:1000 640"
  assert_eq "file mtime" "$(stat -c %Y "$d/conf")" "$(stat -c %Y "$app/conf")"
  assert_eq "the volume root takes the image dir's owner and mode" "$(stat -c '%u:%g %a' "$d")" "1000:1000 750"
  if [ $xattr = yes ]; then
    assert_eq "xattr copied" "$(getfattr --absolute-names --only-values -n user.tongtest "$d/conf" 2>&1)" v1
  else
    echo "# $AREA: copy_up: user xattrs not supported here, not checked"
  fi
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_contains "the container sees the copied content" "$OUT" image-conf
  assert_eq "its write is in the volume" "$(cat "$d/conf")" changed
  tong delete "$ID"
  # A second image with other content: the volume is not empty, no copy.
  make_bundle "$T/b2" /bin/tinit cat /etc/app/conf || return
  mkdir -p "$T/b2/rootfs/etc/app"
  echo other-image >"$T/b2/rootfs/etc/app/conf"
  echo new >"$T/b2/rootfs/etc/app/newfile"
  cfg "$T/b2" '.process.user = {uid: 1000, gid: 1000}' || return
  tv attach "$T/b2" app:/etc/app
  assert_ok "attach the used volume again" || return
  assert_eq "existing data not overwritten" "$(cat "$d/conf")" changed
  assert_false "nothing copied over data" test -e "$d/newfile"
  tong run --bundle "$T/b2" "$ID-2"
  assert_contains "the second container sees the volume's data" "$OUT" changed
  # nocopy: a new volume stays empty.
  tv attach "$T/b2" fresh:/etc/app:nocopy
  assert_ok "attach nocopy" || return
  assert_eq "nocopy: the volume is empty" "$(ls -A "$T/volumes/fresh/_data")" ""
}

t_in_use() {
  make_bundle "$B" || return
  tv attach "$B" busy:/data
  assert_ok "attach" || return
  tv rm busy
  assert_fails "rm refused" || return
  assert_contains "the reason, in Docker's words" "$ERR" "remove busy: volume is in use - [$B]"
  assert_true "the volume is still there" test -d "$T/volumes/busy/_data"
  tv inspect busy
  assert_eq "UsedBy names the bundle" "$(printf '%s' "$OUT" | jq -r '.[0].UsedBy[0]')" "$B"
  tv detach "$B" /data
  assert_ok "detach" || return
  assert_eq "the mount is gone from config.json" \
    "$(jq '[.mounts[] | select(.destination == "/data")] | length' "$B/config.json")" 0
  tv rm busy
  assert_ok "rm after detach" || return
  assert_false "the volume dir is gone" test -e "$T/volumes/busy"
  tv rm busy
  assert_fails "rm of a missing volume fails"
  tv rm -f busy
  assert_ok "rm -f of a missing volume is no error"
  # Detached while a container still has it mounted: still in use.
  make_bundle "$T/run" /bin/tinit sleep 100 || return
  tv attach "$T/run" live:/data
  tong run -d --bundle "$T/run" "$ID-run"
  assert_status "a container runs with the volume" running "$ID-run" || return
  tv detach "$T/run" /data
  tv rm live
  assert_fails "rm refused while a running container has it mounted"
  assert_contains "says where" "$ERR" "mounted in the mount namespace of pid"
  tv prune --all
  assert_eq "prune --all leaves it too" "$OUT" ""
  tv ls -q --filter dangling=true
  assert_not_contains "not dangling" "$OUT" live
  tong kill "$ID-run" KILL
  wait_status stopped "$ID-run"
  tong delete "$ID-run"
  tv rm live
  assert_ok "rm once the container is gone"
  # A record whose bundle is gone does not hold the volume.
  make_bundle "$T/gone" || return
  tv attach "$T/gone" stale:/data
  rm -rf "$T/gone"
  tv rm stale
  assert_ok "a stale usage record does not count"
}

t_lock() {
  local i
  for ((i = 0; i < 20; i++)); do
    "$TV" --root "$T/volumes" create "par$i" >/dev/null 2>&1 &
    "$TV" --root "$T/volumes" prune --all >/dev/null 2>&1 &
  done
  wait
  tv ls -q
  local n
  n=$(printf '%s\n' "$OUT" | grep -c '^par')
  # Each volume is either whole or pruned whole: never half there.
  local half=0 v
  for v in "$T"/volumes/par*; do
    [ -e "$v" ] || continue
    if [ ! -e "$v/tong-volume.json" ] || [ ! -d "$v/_data" ]; then half=$((half + 1)); fi
  done
  assert_eq "no half-made volume under concurrent create and prune" "$half" 0
  assert_eq "ls agrees with the store" "$n" "$(find "$T/volumes" -mindepth 1 -maxdepth 1 -name 'par*' | wc -l)"
}

t_prune() {
  make_bundle "$B" || return
  tv create --label keep=yes named
  tv create --label keep=no other
  tv attach "$B" /cache /tmp/anon2
  assert_ok "attach two anonymous volumes" || return
  local a1 a2
  a1=$(printf '%s\n' "$OUT" | sed -n 1p)
  a2=$(printf '%s\n' "$OUT" | sed -n 2p)
  assert_match "anonymous names are 64 hex digits" "$a1" '^[0-9a-f]{64}$'
  tv inspect "$a1"
  assert_eq "marked anonymous" "$(printf '%s' "$OUT" | jq -r '.[0].Anonymous')" true
  tv prune
  assert_ok "prune" || return
  assert_eq "nothing in use or named was pruned" "$OUT" ""
  tv detach "$B" /cache
  tv prune
  assert_eq "prune removed the unused anonymous volume" "$OUT" "$a1"
  tv ls -q
  assert_eq "named and in-use ones stay" "$OUT" "$(printf '%s\n' "$a2" named other | sort)"
  tv prune --all --filter label=keep=no
  assert_eq "prune --all with a label filter" "$OUT" other
  tv create --label keep=yes named2
  tv prune --filter all=true --filter label!=keep
  assert_ok "prune --filter all=true --filter label!=keep" || return
  assert_eq "label!= spares the labelled ones" "$OUT" ""
  tv prune --filter all=true --filter label!=keep=no
  assert_eq "all=true (Docker 23's filter) takes named volumes without keep=no" "$OUT" "$(printf 'named\nnamed2')"
  tv create named
  tv prune --all
  assert_eq "prune --all takes the unused named volume" "$OUT" named
  tv prune --filter all=maybe
  assert_fails "a bad all= value is refused"
  tv ls -q
  assert_eq "the one in use survives" "$OUT" "$a2"
}

t_from() {
  make_bundle "$B" /bin/tinit write /data/f shared -- write /logs/l log || return
  tv attach "$B" vdata:/data vlogs:/logs:ro
  assert_ok "attach to the first bundle" || return
  echo >"$T/volumes/vlogs/_data/l"
  tong run --bundle "$B" "$ID"
  assert_exit "the first container cannot write /logs" 1
  make_bundle "$T/b2" /bin/tinit cat /data/f -- write /logs/x no || return
  tv attach --from "$B" "$T/b2"
  assert_ok "attach --from" || return
  assert_eq "the same sources and modes" \
    "$(jq -c '[.mounts[] | select(.destination == "/data" or .destination == "/logs") | [.destination, .source, .options[2]]]' "$T/b2/config.json")" \
    "[[\"/data\",\"$T/volumes/vdata/_data\",\"rw\"],[\"/logs\",\"$T/volumes/vlogs/_data\",\"ro\"]]"
  tong run --bundle "$T/b2" "$ID-2"
  assert_contains "reads the first container's data" "$OUT" shared
  # (cat's output has no newline: the errno line follows it directly.)
  assert_contains "ro carried over (EROFS)" "$OUT" "errno=$EROFS"
  make_bundle "$T/b3" || return
  tv attach --from "$B:ro" "$T/b3"
  assert_eq "--from OTHER:ro makes every mount ro" \
    "$(jq -r '[.mounts[] | select(.destination == "/data") | .options[2]][0]' "$T/b3/config.json")" ro
  tv inspect vdata
  assert_eq "both bundles recorded as users" "$(printf '%s' "$OUT" | jq -r '.[0].UsedBy | length')" 3
}

# --from takes the other bundle's bind mounts too, as Docker's --volumes-from
# takes its binds: host paths (with their mode and options) and relative
# sources (resolved in the other bundle, as the runtime does).
t_from_binds() {
  mkdir -p "$T/host" "$B/volumes/img1"
  echo from-host >"$T/host/f"
  echo from-bundle >"$B/volumes/img1/g"
  make_bundle "$B" || return
  tv attach "$B" "$T/host:/h:ro" vd:/data
  assert_ok "a bind and a volume on the first bundle" || return
  cfg "$B" '.mounts += [{destination: "/rel", type: "bind", source: "volumes/img1", options: ["bind", "rslave"]}]' || return
  make_bundle "$T/b2" /bin/tinit cat /h/f -- cat /rel/g -- write /data/d yes -- write /h/x no || return
  tv attach --from "$B" "$T/b2"
  assert_ok "attach --from" || return
  assert_eq "the host bind, with its source and ro" \
    "$(jq -c '[.mounts[] | select(.destination == "/h") | [.type, .source, .options]]' "$T/b2/config.json")" \
    "[[\"bind\",\"$T/host\",[\"rbind\",\"rprivate\",\"ro\"]]]"
  assert_eq "a relative source made absolute in the other bundle, its options kept" \
    "$(jq -c '[.mounts[] | select(.destination == "/rel") | [.source, .options]]' "$T/b2/config.json")" \
    "[[\"$B/volumes/img1\",[\"bind\",\"rslave\",\"rw\"]]]"
  assert_eq "the runtime's own mounts are not copied twice" \
    "$(jq '[.mounts[] | select(.destination == "/proc")] | length' "$T/b2/config.json")" 1
  # A rootless bundle binds the host's /sys: not taken over a bundle's sysfs.
  cfg "$B" '.mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"]} else . end)' || return
  tv attach --from "$B" "$T/b2"
  assert_eq "the bundle's own sysfs stays" \
    "$(jq -c '[.mounts[] | select(.destination == "/sys") | .type]' "$T/b2/config.json")" '["sysfs"]'
  tong run --bundle "$T/b2" "$ID"
  assert_contains "the second container reads the host bind" "$OUT" from-host
  assert_contains "and the other bundle's relative bind" "$OUT" from-bundle
  assert_contains "the bind stays ro (EROFS)" "$OUT" "errno=$EROFS"
  assert_eq "and the volume is shared" "$(cat "$T/volumes/vd/_data/d" 2>&1)" yes
  # An explicit SPEC wins over the other bundle's mount at the same path.
  mkdir -p "$T/mine"
  make_bundle "$T/b3" || return
  tv attach --from "$B:rw" "$T/b3" "$T/mine:/h"
  assert_ok "attach --from with a SPEC for one of its paths" || return
  assert_eq "the SPEC's source at /h" \
    "$(jq -c '[.mounts[] | select(.destination == "/h") | [.source, .options[-1]]]' "$T/b3/config.json")" \
    "[[\"$T/mine\",\"rw\"]]"
  assert_eq ":rw makes the other binds rw" \
    "$(jq -r '.mounts[] | select(.destination == "/rel") | .options[-1]' "$T/b3/config.json")" rw
  # A bind whose host path has gone is an error, and nothing changes.
  cp "$T/b3/config.json" "$T/b3.orig"
  cfg "$B" '.mounts += [{destination: "/gone", type: "bind", source: "/nonexistent/tong-test", options: ["rbind"]}]' || return
  tv attach --from "$B" "$T/b3"
  assert_fails "a missing bind source in the other bundle fails"
  assert_true "config.json unchanged" cmp -s "$T/b3/config.json" "$T/b3.orig"
}

t_bad_specs() {
  make_bundle "$B" || return
  tv create good
  cp "$B/config.json" "$T/config.orig"
  local s
  for s in "bad name:/x" "-bad:/x" "x:/d" "vol:relative" "vol:/a/../b" "vol:/d:rx" "vol:/d:ro:rw" \
    "$T/no-such-dir:/x" "$T:/x:nocopy" "vol:/"; do
    tv attach "$B" newvol:/ok "$s"
    assert_fails "refused: '$s'"
  done
  assert_true "config.json unchanged" cmp -s "$B/config.json" "$T/config.orig"
  tv ls -q
  assert_eq "no volume was created" "$OUT" good
  tv create "-x"
  assert_fails "create refuses a bad name"
  tv create "a/b"
  assert_fails "create refuses a slash"
  tv ls -q
  assert_eq "still only one volume" "$OUT" good
  tv attach "$B" good:/d good:/d
  assert_fails "two mounts at one path refused"
  assert_true "config.json still unchanged" cmp -s "$B/config.json" "$T/config.orig"
}

t_bind() {
  make_bundle "$B" /bin/tinit write /h/f from-ctr || return
  tv attach "$B" "$T/host/dir:/h"
  assert_fails "a missing host path is an error" || return
  assert_false "not created" test -e "$T/host/dir"
  tv attach --create-host-path "$B" "$T/host/dir:/h"
  assert_ok "--create-host-path" || return
  assert_true "the host path was created" test -d "$T/host/dir"
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_eq "the container wrote to the host dir" "$(cat "$T/host/dir/f")" from-ctr
  # Replacing the entry at the same destination, with ro.
  tv attach "$B" "$T/host/dir:/h:ro"
  assert_eq "one entry for /h, now ro" \
    "$(jq -c '[.mounts[] | select(.destination == "/h") | .options[2]]' "$B/config.json")" '["ro"]'
}

t_image_volumes() {
  make_bundle "$B" /bin/tinit cat /var/data/seed -- write /var/data/new x || return
  mkdir -p "$B/rootfs/var/data"
  echo seeded >"$B/rootfs/var/data/seed"
  cfg "$B" '.annotations["io.tong.image.volumes"] = "/var/data,/var/empty"' || return
  tv attach --image-volumes "$B"
  assert_ok "attach --image-volumes" || return
  assert_eq "two anonymous volumes" "$(printf '%s\n' "$OUT" | grep -cE '^[0-9a-f]{64}$')" 2
  local src
  src=$(jq -r '.mounts[] | select(.destination == "/var/data") | .source' "$B/config.json")
  assert_eq "copied up from the image" "$(cat "$src/seed" 2>/dev/null)" seeded
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_contains "the container sees it" "$OUT" seeded
  assert_true "its write went to the volume" test -e "$src/new"
  tv attach --image-volumes "$B"
  assert_fails "again: nothing left to attach (explicit mounts win)"
  # Options after the arguments too, as the README writes it.
  make_bundle "$T/b2" || return
  cfg "$T/b2" '.annotations["io.tong.image.volumes"] = "/var/data"' || return
  tv attach "$T/b2" named:/data --image-volumes
  assert_ok "attach BUNDLE SPEC --image-volumes" || return
  assert_eq "both mounts" "$(jq -c '[.mounts[] | select(.destination == "/data" or .destination == "/var/data") | .destination]' "$T/b2/config.json")" \
    '["/data","/var/data"]'
  tv ls -q named --filter dangling=false
  assert_fails "ls takes no argument, wherever the options are"
}

# After tong-image unpack (--image-volumes anonymous): its own anonymous
# volume, a bind of BUNDLE/volumes/ID holding the image's content, is
# replaced by a volume of the store, seeded from that directory.
t_image_volumes_unpacked() {
  make_bundle "$B" /bin/tinit cat /var/data/seed || return
  mkdir -p "$B/rootfs/var/data" "$B/volumes/0123abcd"
  echo seeded-by-tong-image >"$B/volumes/0123abcd/seed"
  chown 1000:1000 "$B/volumes/0123abcd"
  chmod 0711 "$B/volumes/0123abcd"
  cfg "$B" '.annotations["io.tong.image.volumes"] = "/var/data,/var/log"
    | .mounts += [{destination: "/var/data", type: "bind", source: "volumes/0123abcd", options: ["rbind", "rprivate"]},
                  {destination: "/var/log", type: "tmpfs", source: "tmpfs"}]' || return
  tv attach --image-volumes "$B"
  assert_ok "attach --image-volumes" || return
  assert_match "one anonymous volume" "$OUT" '^[0-9a-f]{64}$'
  local src
  src=$(jq -r '.mounts[] | select(.destination == "/var/data") | .source' "$B/config.json")
  assert_eq "the mount is now the store's volume" "$src" "$T/volumes/$OUT/_data"
  assert_eq "one mount at /var/data" "$(jq '[.mounts[] | select(.destination == "/var/data")] | length' "$B/config.json")" 1
  assert_eq "seeded from tong-image's directory" "$(cat "$src/seed" 2>&1)" seeded-by-tong-image
  assert_eq "with its owner and mode" "$(stat -c '%u:%g %a' "$src")" "1000:1000 711"
  assert_eq "a tmpfs the user chose stays" "$(jq -r '.mounts[] | select(.destination == "/var/log") | .type' "$B/config.json")" tmpfs
  tong run --bundle "$B" "$ID"
  assert_contains "the container reads it" "$OUT" seeded-by-tong-image
}

t_ls_inspect_env() {
  TONG_VOLUME_ROOT=$T/envroot sh_run "$TV" create --label a=1 --label b envvol
  assert_ok "create with TONG_VOLUME_ROOT" || return
  assert_true "in the env root" test -d "$T/envroot/envvol/_data"
  tv create --label tier=db v1
  tv create v2
  tv ls
  assert_contains "ls header" "$OUT" "DRIVER    VOLUME NAME"
  assert_contains "ls line" "$OUT" "local     v1"
  tv ls -q --filter label=tier=db
  assert_eq "ls --filter label" "$OUT" v1
  tv ls -q --filter dangling=true
  assert_eq "both are dangling" "$OUT" "$(printf 'v1\nv2')"
  make_bundle "$B" || return
  tv attach "$B" v2:/data
  tv ls -q --filter dangling=false
  assert_eq "ls --filter dangling=false: the used one" "$OUT" v2
  tv ls -q --filter name=1
  assert_eq "ls --filter name=" "$OUT" v1
  tv ls -q --filter bogus=1
  assert_fails "an unknown filter is refused"
  tv inspect v1
  assert_ok "inspect" || return
  assert_eq "inspect fields" \
    "$(printf '%s' "$OUT" | jq -c '.[0] | [.Name, .Driver, .Mountpoint, .Labels.tier, .Scope, (.CreatedAt | test("^[0-9]{4}-"))]')" \
    "[\"v1\",\"local\",\"$T/volumes/v1/_data\",\"db\",\"local\",true]"
  tv inspect nope
  assert_fails "inspect of a missing volume"
  assert_contains "says so" "$ERR" "no such volume"
}

run_test persist t_persist
run_test readonly t_readonly
run_test copy_up t_copy_up
run_test in_use t_in_use
run_test prune t_prune
run_test lock t_lock
run_test from t_from
run_test from_binds t_from_binds
run_test bad_specs t_bad_specs
run_test bind t_bind
run_test image_volumes t_image_volumes
run_test image_volumes_unpacked t_image_volumes_unpacked
run_test ls_inspect_env t_ls_inspect_env
