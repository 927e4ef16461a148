#!/bin/bash
# Install what tong needs to build and to run its tests on Debian 12.
# Idempotent: installs only what is missing (one apt-get update, only then).
# Extra package names on the command line are added (e.g. `runc`).
set -eu

export DEBIAN_FRONTEND=noninteractive

pkgs=(
  # build
  build-essential autoconf automake libtool pkg-config
  libseccomp-dev libcap-dev libyajl-dev libselinux1-dev
  # man pages
  go-md2man
  # integration tests: the container rootfs, config edits, namespaces, mounts
  busybox-static jq iproute2 util-linux procps coreutils findutils gawk git
  "$@"
)
# Each area's extra packages (helpers, engines, VM tests): one name a line.
here=$(cd "$(dirname "$0")" && pwd)
for list in "$here"/deps.d/*.list; do
  [ -e "$list" ] || continue
  while read -r p _; do
    case $p in '' | '#'*) continue ;; esac
    pkgs+=("$p")
  done <"$list"
done

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} = 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

SUDO=
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
  else
    echo "install-deps: missing ${missing[*]}, and not root" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
# Package scripts must start no daemon (docker.io's postinst runs
# `invoke-rc.d docker start`, a dockerd with iptables rules and a bridge on
# the host): without a policy-rc.d, one that denies every start is put in
# place for the install and removed after it.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  trap '$SUDO rm -f "$policy"' EXIT
  printf '#!/bin/sh\n# install-deps.sh: no service starts during the install\nexit 101\n' |
    $SUDO tee "$policy" >/dev/null
  $SUDO chmod 0755 "$policy"
fi
$SUDO apt-get update -q </dev/null
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
