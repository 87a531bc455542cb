#!/usr/bin/env bash
# Builds and tests smallset on Debian 13 (trixie) in a chroot: LibTorch 2.6, OpenCV 4.10 and
# GCC 14, where the development machine has Debian 12 with LibTorch 1.13, OpenCV 4.6 and GCC 12.
#
#   sudo contrib/check_debian13.sh [--root DIR] [--mirror URL] [--no-tests]
#
# Needs root, debootstrap and a Debian mirror. The first run creates the chroot in DIR
# (default /var/tmp/smallset-trixie, about 3 GB once the packages are in) and later runs reuse
# it. The working tree is copied to DIR/work/main, and ../shared, when present, is bind-mounted
# beside it so that the tests that use the shared photos run too. Every mount is undone on exit.
set -euo pipefail

root=/var/tmp/smallset-trixie
mirror=http://deb.debian.org/debian
run_tests=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --no-tests) run_tests=0; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "check_debian13.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "check_debian13.sh: needs root for debootstrap and chroot; run it with sudo" >&2
  exit 1
fi
command -v debootstrap >/dev/null || { echo "check_debian13.sh: install debootstrap (apt-get install debootstrap)" >&2; exit 1; }

source_dir=$(cd "$(dirname "$0")/.." && pwd)
shared_dir=$(cd "$source_dir/.." && pwd)/shared

if [ ! -x "$root/usr/bin/apt-get" ]; then
  echo "== creating a Debian 13 chroot in $root"
  mkdir -p "$root"
  debootstrap --variant=minbase trixie "$root" "$mirror"
fi

mounts=()
cleanup() {
  for (( i=${#mounts[@]}-1; i>=0; i-- )); do umount "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() {
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounts+=("$2")
}
bind /proc "$root/proc"
bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# The package list is the Makefile's, so this check installs exactly what `make deps` would.
packages=$(make -s -C "$source_dir" print-deps)
echo "== installing the Debian packages"
chroot "$root" bash -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages"

echo "== copying the working tree (tracked and untracked files, no build folders)"
# Only files whose content changed are copied, each with a fresh modification time, so that
# the chroot's build folder rebuilds exactly what changed. Copying every file with its
# original time can leave an object file that is newer than its edited source.
staging=$(mktemp -d)
(cd "$source_dir" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$staging"
target=$root/work/main
mkdir -p "$target"
(cd "$target" && find . -path ./build -prune -o -type f -print) | while IFS= read -r file; do
  [ -e "$staging/$file" ] || rm -f "$target/$file"
done
(cd "$staging" && find . -type f -print) | while IFS= read -r file; do
  if ! cmp -s "$staging/$file" "$target/$file"; then
    mkdir -p "$(dirname "$target/$file")"
    cp "$staging/$file" "$target/$file"
  fi
done
rm -rf "$staging"
if [ -d "$shared_dir" ]; then bind "$shared_dir" "$root/work/shared"; fi

echo "== building"
chroot "$root" bash -c 'cd /work/main && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j "$(nproc)"'
chroot "$root" /usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
if [ "$run_tests" = 1 ]; then
  echo "== testing"
  chroot "$root" bash -c 'cd /work/main/build && ctest --output-on-failure -j "$(nproc)"'
fi
echo "== Debian 13 build passed"
