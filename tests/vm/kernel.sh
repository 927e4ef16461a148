# Sourced by tests/vm/run-*.sh: Debian's kernel, downloaded once (apt-get
# download, dpkg -x into $CACHE, never installed) and unpacked to an
# uncompressed vmlinux.  Needs CACHE and fail(); sets KDIR and KERNEL, and
# defines vm_boot.
# ---- the kernel: Debian's, cached ---------------------------------------------
mkdir -p "$CACHE" || fail "cannot make $CACHE"
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1; }
pkg=$(kpkg)
if [ -z "$pkg" ] && ! ls -d "$CACHE"/linux-image-*/ >/dev/null 2>&1; then
  # A machine whose packages were all there already never ran apt-get update.
  apt-get update -q >/dev/null 2>&1 </dev/null
  pkg=$(kpkg)
fi
if [ -z "$pkg" ]; then
  # No apt lists: use whatever kernel the cache already has.
  pkg=$(ls -d "$CACHE"/linux-image-*/ 2>/dev/null | head -n 1 | xargs -r basename)
fi
[ -n "$pkg" ] || fail "no linux-image-amd64 in apt (apt-get update) and nothing cached in $CACHE"
KDIR=$CACHE/$pkg
if [ ! -s "$KDIR/vmlinux" ] || [ ! -e "$KDIR/loop.ko" ] || [ ! -e "$KDIR/bfq.ko" ]; then
  (
    set -e
    tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    cd "$tmp"
    # As root into a dir _apt cannot read: apt warns and downloads anyway.
    apt-get download "$pkg" >/dev/null 2>&1
    dpkg -x ./*.deb x
    mkdir -p "$KDIR.new"
    ver=${pkg#linux-image-}
    # A block device (loop) and BFQ for io.bfq.weight; both need no other module.
    cp "x/lib/modules/$ver/kernel/drivers/block/loop.ko" "x/lib/modules/$ver/kernel/block/bfq.ko" \
      "$KDIR.new/"
    # The uncompressed ELF boots directly (PVH), without the decompressor's
    # time under TCG: find the xz stream in the bzImage.
    k=$(ls x/boot/vmlinuz-*)
    for off in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$k" | cut -d: -f1); do
      tail -c +$((off + 1)) "$k" | xz -dc >"$KDIR.new/vmlinux" 2>/dev/null
      if [ "$(head -c 4 "$KDIR.new/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then break; fi
    done
    cp "$k" "$KDIR.new/vmlinuz"
    rm -rf "$KDIR"
    mv "$KDIR.new" "$KDIR"
  ) || fail "could not download and unpack $pkg into $CACHE"
fi
KERNEL=$KDIR/vmlinux
[ "$(head -c 4 "$KERNEL" | od -An -c | tr -d ' ')" = '177ELF' ] || KERNEL=$KDIR/vmlinuz

# vm_boot APPEND: boot $KERNEL with $WORK/initramfs.cpio and the kernel
# command line APPEND, no network, the serial console to LOG=$WORK/console.log.
# The VM powers itself off; past $TIMEOUT s it is killed by its pid (QPID,
# which the caller's exit trap also kills).  Sets start (for the duration).
vm_boot() {
  LOG=$WORK/console.log
  start=$SECONDS
  qemu-system-x86_64 -machine q35 -accel tcg -smp 2 -m 768 \
    -display none -monitor none -serial "file:$LOG" -nic none -no-reboot \
    -kernel "$KERNEL" -initrd "$WORK/initramfs.cpio" -append "$1" \
    </dev/null >"$WORK/qemu.out" 2>&1 &
  QPID=$!
  while kill -0 "$QPID" 2>/dev/null; do
    if [ $((SECONDS - start)) -ge "$TIMEOUT" ]; then
      kill -KILL "$QPID" 2>/dev/null
      break
    fi
    sleep 1
  done
  wait "$QPID" 2>/dev/null
  QPID=
  [ -n "${VM_KEEP_LOG:-}" ] && cp "$LOG" "$VM_KEEP_LOG"
  return 0
}
