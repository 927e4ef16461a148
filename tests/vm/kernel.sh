# Sourced by tests/vm/run-*.sh: Debian's kernel, downloaded once (apt-get
# download, dpkg -x into $CACHE, never installed) and unpacked to an
# uncompressed vmlinux.  Needs CACHE and fail(); sets KDIR and KERNEL.
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

