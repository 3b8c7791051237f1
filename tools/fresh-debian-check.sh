#!/bin/bash
# Run the README's two Quick start commands in a fresh minimal Debian 12 root,
# the way a new user on a new machine would: nothing installed beyond
# debootstrap's minbase, a clean clone of this repository, root, /proc, /sys
# and /dev mounted, no cgroup filesystem (as in many containers).
#
#   tools/fresh-debian-check.sh [--root DIR] [--ref REF] [--mirror URL] [--keep]
#
#   --root DIR    where to build the root (default /var/tmp/tradewar-fresh-root;
#                 emptied first, only if it is a root this script made)
#   --ref REF     what to clone (default HEAD of this checkout)
#   --mirror URL  Debian mirror (default: the first URIs of this machine's
#                 apt sources, else http://deb.debian.org/debian)
#   --keep        keep the root afterwards (default: removed on success)
#
# Needs root and debootstrap (apt-get install debootstrap). Prints each step's
# wall time and ends with "fresh-debian-check: PASS" or a FAIL line; the log
# of each step is kept under DIR.log/. Takes 20-40 minutes on 2 cores (the
# test suite is most of it). Results are recorded in HACKING.md.
# shellcheck disable=SC2015  # `a && b || die` is meant: die when either fails
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=/var/tmp/tradewar-fresh-root REF=HEAD MIRROR="" KEEP=0
while (( $# )); do
    case $1 in
    --root) ROOT=$2; shift ;;
    --ref) REF=$2; shift ;;
    --mirror) MIRROR=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "fresh-debian-check: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
die() { echo "fresh-debian-check: FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
if [[ -z $MIRROR ]]; then
    MIRROR=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    [[ -n $MIRROR ]] || MIRROR=http://deb.debian.org/debian
fi
LOGS=$ROOT.log

mounted=()
cleanup() {
    local i
    for (( i = ${#mounted[@]} - 1; i >= 0; i-- )); do
        umount -R -l "${mounted[$i]}" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -e $ROOT ]]; then
    [[ -f $ROOT/.tradewar-fresh-root ]] || die "$ROOT exists and was not made by this script: refusing to remove it"
    # a previous run may have left mounts behind
    for m in dev/pts dev sys proc; do umount -R -l "$ROOT/$m" 2>/dev/null; done
    rm -rf --one-file-system "$ROOT" || die "cannot remove $ROOT"
fi
rm -rf "$LOGS"; mkdir -p "$ROOT" "$LOGS" && touch "$ROOT/.tradewar-fresh-root"

step() {  # step NAME COMMAND...: run, time, log; stop at the first failure
    local name=$1 t0=$SECONDS rc; shift
    echo "== $name"
    "$@" >"$LOGS/$name.log" 2>&1; rc=$?
    printf '   %s: exit %d in %d s (log %s)\n' "$name" "$rc" $(( SECONDS - t0 )) "$LOGS/$name.log"
    if (( rc != 0 )); then
        tail -n 25 "$LOGS/$name.log" | sed 's/^/   | /'
        die "$name exited $rc"
    fi
}

step debootstrap debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR"
# The same suites as a Debian 12 machine has: the point release plus updates
# and security (debootstrap alone writes only 'bookworm main').
cat >"$ROOT/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
SRC
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null
cp /etc/hosts "$ROOT/etc/hosts" 2>/dev/null

for m in proc sys dev; do mkdir -p "$ROOT/$m"; done
mount -t proc proc "$ROOT/proc" && mounted+=("$ROOT/proc") || die "mount proc"
# sysfs without the cgroup mounts that the host stacks on it
mount -t sysfs sysfs "$ROOT/sys" && mounted+=("$ROOT/sys") || die "mount sysfs"
mount --rbind /dev "$ROOT/dev" && mount --make-rslave "$ROOT/dev" && mounted+=("$ROOT/dev") || die "mount /dev"

# A clean clone of the given ref, as a user gets it (no build tree, no results).
src=$(git -C "$here" rev-parse --verify "$REF^{commit}") || die "unknown ref $REF"
step clone git clone --quiet --no-local "$here" "$ROOT/root/tradewar"
git -C "$ROOT/root/tradewar" checkout --quiet "$src" || die "checkout $src"
echo "   commit $src"

inroot() { chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "cd /root/tradewar && $1"; }
step quickstart inroot tools/quickstart.sh
step run-tests inroot tools/run-tests.sh
grep -E 'tests passed|tests failed' "$LOGS/run-tests.log" | tail -n 1 | sed 's/^/   /'
echo "fresh-debian-check: PASS (commit ${src:0:12}, root $ROOT)"
if (( ! KEEP )); then
    cleanup; mounted=()
    rm -rf --one-file-system "$ROOT"
fi
