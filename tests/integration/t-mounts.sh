#!/bin/bash
# config.mounts, root.readonly, maskedPaths, readonlyPaths, default and
# configured devices, /dev symlinks, and symlinks in the rootfs that point out.
. "$(dirname "$0")/lib.sh"

EROFS=30

# add_mount DIR JSON: append a mount object to config.mounts.
add_mount() { cfg "$1" ".mounts += [$2]"; }

# mountinfo_line TEXT DEST: the mountinfo line whose mount point is DEST.
mountinfo_line() { printf '%s\n' "$1" | awk -v d="$2" '$5 == d'; }

t_tmpfs() {
  make_bundle "$B" /bin/tinit stat /mnt/tmp -- write /mnt/tmp/f hello -- mounts || return
  add_mount "$B" '{destination: "/mnt/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1750", "size=1m"]}' || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_kv "mode 1750" mode 1750
  assert_kv "a directory" type dir
  assert_contains "writable" "$OUT" "written=/mnt/tmp/f"
  local line
  line=$(mountinfo_line "$OUT" /mnt/tmp)
  assert_contains "mounted as tmpfs" "$line" " - tmpfs "
  assert_match "nosuid,nodev" "$line" 'nosuid.*nodev|nodev.*nosuid'
  assert_contains "size=1024k" "$line" "size=1024k"
  assert_false "the write stayed in the tmpfs" test -e "$B/rootfs/mnt/tmp/f"
}

t_mount_options() {
  make_bundle "$B" /bin/tinit mounts || return
  add_mount "$B" '{destination: "/mnt/opts", type: "tmpfs", source: "tmpfs", options: ["ro", "nosuid", "nodev", "noexec"]}' || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  local opts
  opts=$(mountinfo_line "$OUT" /mnt/opts | awk '{print $6}')
  assert_match "ro" "$opts" '(^|,)ro(,|$)'
  assert_match "nosuid" "$opts" '(^|,)nosuid(,|$)'
  assert_match "nodev" "$opts" '(^|,)nodev(,|$)'
  assert_match "noexec" "$opts" '(^|,)noexec(,|$)'
}

t_bind_rw() {
  mkdir -p "$T/shared"
  echo from-host >"$T/shared/hostfile"
  make_bundle "$B" /bin/tinit cat /data/hostfile -- write /data/fromctr from-container || return
  add_mount "$B" "{destination: \"/data\", type: \"bind\", source: $(jstr "$T/shared"), options: [\"rbind\", \"rw\"]}" || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_contains "the host file is visible" "$OUT" from-host
  assert_eq "the container's write reached the host" "$(cat "$T/shared/fromctr" 2>/dev/null)" from-container
}

t_bind_ro() {
  mkdir -p "$T/shared"
  echo from-host >"$T/shared/hostfile"
  make_bundle "$B" /bin/tinit cat /data/hostfile -- write /data/hostfile overwritten || return
  add_mount "$B" "{destination: \"/data\", type: \"bind\", source: $(jstr "$T/shared"), options: [\"bind\", \"ro\"]}" || return
  tong run --bundle "$B" "$ID"
  assert_exit "the write fails" 1
  assert_contains "the host file is readable" "$OUT" from-host
  assert_kv "EROFS" errno $EROFS
  assert_eq "the host file is unchanged" "$(cat "$T/shared/hostfile")" from-host
}

t_bind_file() {
  echo file-content >"$T/hostfile"
  make_bundle "$B" /bin/tinit stat /etc/bound -- cat /etc/bound || return
  add_mount "$B" "{destination: \"/etc/bound\", type: \"bind\", source: $(jstr "$T/hostfile"), options: [\"bind\", \"ro\"]}" || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_kv "a regular file" type reg
  assert_contains "its content" "$OUT" file-content
}

t_readonly_root() {
  make_bundle "$B" /bin/tinit write /newfile x || return
  cfg "$B" '.root.readonly = true' || return
  tong run --bundle "$B" "$ID"
  assert_exit "a write to / fails" 1
  assert_kv "EROFS" errno $EROFS
  assert_false "nothing written to the rootfs" test -e "$B/rootfs/newfile"
  # The mounts on top stay writable.
  make_bundle "$T/b2" /bin/tinit write /dev/shm/f x || return
  cfg "$T/b2" '.root.readonly = true' || return
  B=$T/b2
  tong run --bundle "$B" "$ID"
  assert_ok "a tmpfs mount under a read-only root is writable"
}

t_masked_paths() {
  make_bundle "$B" /bin/tinit ls /masked -- cat /proc/timer_list -- cat /secret.txt || return
  mkdir -p "$B/rootfs/masked"
  echo topsecret >"$B/rootfs/masked/file"
  echo topsecret >"$B/rootfs/secret.txt"
  cfg "$B" '.linux.maskedPaths = ["/masked", "/secret.txt", "/proc/timer_list", "/does/not/exist"]' || return
  tong run --bundle "$B" "$ID"
  assert_kv "a masked directory is empty" count 0
  assert_not_contains "a masked file is not readable" "$OUT" topsecret
  assert_not_contains "a masked /proc file is empty" "$OUT" "Timer List"
  assert_eq "the rootfs file is intact" "$(cat "$B/rootfs/secret.txt")" topsecret
}

t_readonly_paths() {
  make_bundle "$B" /bin/tinit write /proc/sys/kernel/hostname x || return
  cfg "$B" '.linux.readonlyPaths = ["/proc/sys", "/rodir", "/does/not/exist"]' || return
  mkdir -p "$B/rootfs/rodir"
  tong run --bundle "$B" "$ID"
  assert_exit "a write under /proc/sys fails" 1
  assert_kv "EROFS in /proc/sys" errno $EROFS
  args "$B" /bin/tinit write /rodir/f x || return
  tong run --bundle "$B" "$ID"
  assert_exit "a write to a read-only rootfs dir fails" 1
  assert_kv "EROFS in /rodir" errno $EROFS
  assert_false "nothing written" test -e "$B/rootfs/rodir/f"
}

# A mount destination through a symlink that points out of the rootfs must
# land inside the rootfs.
t_symlink_escape() {
  local name=tong-evil-$ID
  defer "rmdir /tmp/$name /tmp/$name-rel"
  make_bundle "$B" /bin/tinit stat "/tmp/$name" -- stat "/tmp/$name-rel" || return
  ln -s / "$B/rootfs/evil"
  ln -s ../../../../../../../../../tmp "$B/rootfs/rel"
  add_mount "$B" "{destination: \"/evil/tmp/$name\", type: \"tmpfs\", source: \"tmpfs\"}" || return
  add_mount "$B" "{destination: \"/rel/$name-rel\", type: \"tmpfs\", source: \"tmpfs\"}" || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_false "the host's /tmp/$name was not created" test -e "/tmp/$name"
  assert_false "the host's /tmp/$name-rel was not created" test -e "/tmp/$name-rel"
  assert_true "the mount point was created in the rootfs" test -d "$B/rootfs/tmp/$name"
  assert_true "the relative one too" test -d "$B/rootfs/tmp/$name-rel"
  assert_kv "seen inside as a directory" type dir
}

# A bind source that is a symlink is followed on the host, but a
# destination that is a symlink to a host file must not be written through.
t_symlink_dest_file() {
  local victim=$T/victim
  echo original >"$victim"
  echo replacement >"$T/src"
  make_bundle "$B" /bin/tinit cat /etc/link || return
  ln -s "$victim" "$B/rootfs/etc/link"
  add_mount "$B" "{destination: \"/etc/link\", type: \"bind\", source: $(jstr "$T/src"), options: [\"bind\"]}" || return
  tong run --bundle "$B" "$ID"
  assert_eq "the host file the symlink names is untouched" "$(cat "$victim")" original
}

dev_check() { # NAME PATH TYPE RDEV
  local out
  out=$(awk -v p="$2" '$0 == "==" p {f=1; next} /^==/ {f=0} f' <<<"$OUT")
  assert_eq "$1 type" "$(kv type "$out")" "$3"
  assert_eq "$1 rdev" "$(kv rdev "$out")" "$4"
}

t_default_devices() {
  make_bundle "$B" /bin/tinit echo ==/dev/null -- stat /dev/null -- echo ==/dev/zero -- stat /dev/zero \
    -- echo ==/dev/full -- stat /dev/full -- echo ==/dev/random -- stat /dev/random \
    -- echo ==/dev/urandom -- stat /dev/urandom -- echo ==/dev/tty -- stat /dev/tty \
    -- write /dev/null x || return
  tong run --bundle "$B" "$ID"
  dev_check "/dev/null" /dev/null chr 1:3
  dev_check "/dev/zero" /dev/zero chr 1:5
  dev_check "/dev/full" /dev/full chr 1:7
  dev_check "/dev/random" /dev/random chr 1:8
  dev_check "/dev/urandom" /dev/urandom chr 1:9
  dev_check "/dev/tty" /dev/tty chr 5:0
  assert_eq "/dev/null mode 0666" "$(awk '$0 == "==/dev/null" {f=1; next} f && /^mode=/ {print; exit}' <<<"$OUT")" mode=0666
  assert_contains "/dev/null is writable" "$OUT" "written=/dev/null"
}

t_dev_symlinks() {
  make_bundle "$B" /bin/tinit echo ==/dev/fd -- stat /dev/fd -- echo ==/dev/stdin -- stat /dev/stdin \
    -- echo ==/dev/stdout -- stat /dev/stdout -- echo ==/dev/stderr -- stat /dev/stderr \
    -- echo ==/dev/ptmx -- stat /dev/ptmx -- ls /dev/fd/ || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  local p want
  for p in fd stdin stdout stderr; do
    case $p in fd) want=/proc/self/fd ;; stdin) want=/proc/self/fd/0 ;; stdout) want=/proc/self/fd/1 ;; stderr) want=/proc/self/fd/2 ;; esac
    assert_eq "/dev/$p -> $want" "$(awk -v p="==/dev/$p" '$0 == p {f=1; next} /^==/ {f=0} f && /^target=/' <<<"$OUT")" "target=$want"
  done
  local ptmx
  ptmx=$(awk '$0 == "==/dev/ptmx" {f=1; next} /^==/ {f=0} f' <<<"$OUT")
  if [ "$(kv type "$ptmx")" = lnk ]; then
    assert_match "/dev/ptmx is a symlink to pts/ptmx" "$(kv target "$ptmx")" '^(/dev/)?pts/ptmx$'
  else
    assert_eq "/dev/ptmx is a bind of pts/ptmx" "$(kv type "$ptmx")/$(kv rdev "$ptmx")" chr/5:2
  fi
}

t_linux_devices() {
  make_bundle "$B" /bin/tinit echo ==/dev/tong0 -- stat /dev/tong0 -- echo ==/dev/sub/tongblk -- stat /dev/sub/tongblk \
    -- echo ==/dev/tongfifo -- stat /dev/tongfifo || return
  cfg "$B" '.linux.devices = [
      {path: "/dev/tong0", type: "c", major: 1, minor: 5, fileMode: 432, uid: 1000, gid: 1000},
      {path: "/dev/sub/tongblk", type: "b", major: 7, minor: 200, fileMode: 384},
      {path: "/dev/tongfifo", type: "p", fileMode: 420}]' || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  local d
  d=$(awk '$0 == "==/dev/tong0" {f=1; next} /^==/ {f=0} f' <<<"$OUT")
  assert_eq "char device rdev" "$(kv type "$d") $(kv rdev "$d")" "chr 1:5"
  assert_eq "char device mode 0660" "$(kv mode "$d")" 0660
  assert_eq "char device owner" "$(kv uid "$d"):$(kv gid "$d")" 1000:1000
  d=$(awk '$0 == "==/dev/sub/tongblk" {f=1; next} /^==/ {f=0} f' <<<"$OUT")
  assert_eq "block device in a new subdirectory" "$(kv type "$d") $(kv rdev "$d")" "blk 7:200"
  assert_eq "block device mode 0600" "$(kv mode "$d")" 0600
  d=$(awk '$0 == "==/dev/tongfifo" {f=1; next} /^==/ {f=0} f' <<<"$OUT")
  assert_eq "fifo" "$(kv type "$d")" fifo
  assert_false "no node made on the host" test -e /dev/tong0
}

# podman passes the host node's whole st_mode as fileMode (020666 for
# /dev/zero): the type bits are accepted, the permission bits used.
t_linux_devices_st_mode() {
  make_bundle "$B" /bin/tinit stat /dev/myzero || return
  cfg "$B" '.linux.devices = [{path: "/dev/myzero", type: "c", major: 1, minor: 5, fileMode: 8630}]' || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_eq "char device rdev" "$(kv type) $(kv rdev)" "chr 1:5"
  assert_eq "mode 0666 from st_mode 020666" "$(kv mode)" 0666
}

t_proc_sys_mounts() {
  make_bundle "$B" /bin/tinit mounts || return
  tong run --bundle "$B" "$ID"
  assert_ok "run" || return
  assert_contains "/proc is proc" "$(mountinfo_line "$OUT" /proc)" " - proc "
  assert_contains "/dev is tmpfs" "$(mountinfo_line "$OUT" /dev)" " - tmpfs "
  assert_contains "/dev/pts is devpts" "$(mountinfo_line "$OUT" /dev/pts)" " - devpts "
  assert_contains "/sys is sysfs" "$(mountinfo_line "$OUT" /sys)" " - sysfs "
  assert_eq "/ is the rootfs" "$(mountinfo_line "$OUT" / | awk '{print $5}')" /
  assert_eq "no host mount visible" "$(printf '%s\n' "$OUT" | awk '$5 ~ "^/work|^/run/|^/boot"')" ""
}

run_test "tmpfs" t_tmpfs
run_test "mount options" t_mount_options
run_test "bind rw" t_bind_rw
run_test "bind ro" t_bind_ro
run_test "bind a file" t_bind_file
run_test "readonly root" t_readonly_root
run_test "maskedPaths" t_masked_paths
run_test "readonlyPaths" t_readonly_paths
run_test "symlink escape" t_symlink_escape
run_test "symlink destination" t_symlink_dest_file
run_test "default devices" t_default_devices
run_test "dev symlinks" t_dev_symlinks
run_test "linux.devices" t_linux_devices
run_test "linux.devices: fileMode with the file type bits (podman)" t_linux_devices_st_mode
run_test "proc sys dev" t_proc_sys_mounts

# idmap bind mounts: on-disk owners seen through the mount's mappings.
t_idmap_own_mappings() {
  mkdir -p "$T/src"
  echo data >"$T/src/f"
  make_bundle "$B" /bin/tinit stat /mnt/f || return
  # As runc writes them: the mapping's user namespace has uid_map
  # "containerID hostID size", so on-disk 0 shows as 1000.
  cfg "$B" '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["bind", "idmap"],
            uidMappings: [{containerID: 0, hostID: 1000, size: 1}],
            gidMappings: [{containerID: 0, hostID: 1000, size: 1}]}]' --arg s "$T/src" || return
  tong run --bundle "$B" "$ID"
  assert_ok "run with an idmap mount" || return
  assert_kv "on-disk uid 0 shows as 1000 through the mount's mappings" uid 1000
  assert_kv "on-disk gid 0 shows as 1000" gid 1000
  assert_eq "the host file keeps its owner" "$(stat -c %u:%g "$T/src/f")" 0:0
}

# In a new user namespace the host makes the idmapped tree (the container has
# no privilege over the host's filesystem) and hands it over.
t_idmap_userns() {
  mkdir -p "$T/src"
  echo data >"$T/src/root-owned"
  echo data >"$T/src/user-owned"
  chown 1000:1000 "$T/src/user-owned"
  make_bundle "$B" /bin/tinit stat /mnt/root-owned -- stat /mnt/user-owned -- write /mnt/new x || return
  cfg "$B" '.linux.namespaces += [{type: "user"}]
          | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
          | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
          | .mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["rbind", "idmap"]}]' \
    --arg s "$T/src" || return
  chmod 0777 "$T/src"
  tong run --bundle "$B" "$ID"
  assert_ok "run in a user namespace with an idmap mount" || return
  local first second
  first=$(printf '%s\n' "$OUT" | sed -n '/^uid=/{p;q}')
  second=$(printf '%s\n' "$OUT" | grep '^uid=' | sed -n 2p)
  assert_eq "a root-owned host file is root's inside (not nobody)" "$first" "uid=0"
  assert_eq "a host uid 1000 file is uid 1000 inside" "$second" "uid=1000"
  assert_not_contains "root inside can write through the mount" "$OUT" "errno="
  assert_eq "the new file is owned by host root on disk" "$(stat -c %u "$T/src/new" 2>/dev/null)" 0
}

run_test "idmap mount with its own mappings" t_idmap_own_mappings
run_test "idmap mount in a user namespace" t_idmap_userns
