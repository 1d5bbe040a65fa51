#!/usr/bin/env bash
# Install what the mail stack needs from Debian packages. Idempotent; fast when all is there.
#
#   tests/mailstack/install.sh
#   SURATD_MAILSTACK_POSTFIX_MODE=private tests/mailstack/install.sh   # force a private Postfix
#
# Postfix comes one of two ways (SURATD_MAILSTACK_POSTFIX_MODE, default auto):
#   package  apt-get install postfix, debconf answered "No configuration".
#   private  the postfix .deb unpacked into $SURATD_MAILSTACK_POSTFIX_ROOT. The postfix package
#            Conflicts: mail-transport-agent, so installing it would remove another MTA
#            (and installing that MTA later would remove postfix under a running stack).
#   auto     private if that copy exists, else package, unless another MTA package is
#            installed: then private.
set -euo pipefail
MS_SELF=install.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ms_need_root

MODE=${SURATD_MAILSTACK_POSTFIX_MODE:-auto}
BASE=(dovecot-core dovecot-imapd dovecot-lmtpd openssl python3)
# What the postfix binaries link against (its Depends: minus what only its maintainer scripts use).
PF_LIBS=(libdb5.3 libicu72 libnsl2 libsasl2-2 libssl3 netbase)
APT=(apt-get -q -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)

installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }
other_mtas() {
    dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Provides}\n' 2>/dev/null |
        awk '$1 ~ /^ii/ && $2 != "postfix" && /mail-transport-agent/ { printf "%s ", $2 }'
}
private_ok() { [ -f "$SURATD_MAILSTACK_POSTFIX_ROOT/.complete" ]; }

case "$MODE" in
    auto)
        # start.sh uses the private copy whenever there is one
        if private_ok; then MODE=private
        elif installed postfix; then MODE=package
        elif [ -n "$(other_mtas)" ]; then
            mtas=$(other_mtas)
            ms_say "another MTA is installed (${mtas% }); using a private Postfix so apt removes nothing"
            MODE=private
        else MODE=package
        fi ;;
    package|private) ;;
    *) ms_die "SURATD_MAILSTACK_POSTFIX_MODE must be auto, package or private" ;;
esac

want=("${BASE[@]}")
if [ "$MODE" = package ]; then want+=(postfix); else want+=("${PF_LIBS[@]}"); fi
missing=()
for p in "${want[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ] && { [ "$MODE" = package ] || private_ok; }; then
    ms_say "already installed (postfix: $MODE)"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when apt knows no candidate (a fresh image has no lists).
lists_fresh=0
update() { [ "$lists_fresh" = 1 ] || { "${APT[@]}" update; lists_fresh=1; }; }
for p in "${missing[@]}" $([ "$MODE" = private ] && echo postfix); do
    c=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    if [ -z "$c" ] || [ "$c" = "(none)" ]; then update; break; fi
done

if [ ${#missing[@]} -gt 0 ]; then
    # The maintainer scripts would start the system dovecot (0.0.0.0:143/993) and postfix:
    # a policy-rc.d that answers 101 forbids it. Ours is removed again on exit.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# temporary, from suratd tests/mailstack/install.sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    if [ "$MODE" = package ]; then
        # "No configuration": the postinst writes no /etc/postfix/main.cf and starts nothing.
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    fi
    ms_say "apt-get install ${missing[*]}"
    # --no-remove: fail rather than remove another package (such as another MTA).
    inst=("${APT[@]}" install -y --no-install-recommends --no-remove "${missing[@]}")
    if ! "${inst[@]}"; then
        ok=0
        if [ "$lists_fresh" = 0 ]; then
            ms_say "install failed; refreshing the package lists and trying once more"
            update
            "${inst[@]}" && ok=1
        fi
        [ "$ok" = 1 ] ||
            ms_die "apt-get install failed. If apt wanted to remove another MTA, run with SURATD_MAILSTACK_POSTFIX_MODE=private"
    fi
fi

if [ "$MODE" = private ] && ! private_ok; then
    root=$SURATD_MAILSTACK_POSTFIX_ROOT
    tmp=$(mktemp -d /tmp/suratd-postfix-deb.XXXXXX)
    ms_say "unpacking the postfix .deb into $root"
    # apt's download sandbox user (_apt) could not write into a root-owned mktemp dir.
    dl() { (cd "$tmp" && "${APT[@]}" -o APT::Sandbox::User=root download postfix); }
    dl || { update; dl; }
    rm -rf "$root.new"; mkdir -p "$root.new"
    dpkg-deb -x "$tmp"/postfix_*.deb "$root.new"
    # postfix wants $meta_directory/dynamicmaps.cf; the built-in map types are all we use.
    echo "# no dynamically loaded map types" > "$root.new/etc/postfix/dynamicmaps.cf"
    # postdrop/postqueue stay NOT setgid: a setgid binary ignores LD_LIBRARY_PATH.
    dpkg-deb -f "$tmp"/postfix_*.deb Version > "$root.new/.complete"
    rm -rf "$root" "$tmp"; mv "$root.new" "$root"
    # the users and group that the package's postinst would have made
    getent group postfix >/dev/null || groupadd --system postfix
    getent passwd postfix >/dev/null ||
        useradd --system --gid postfix --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin postfix
    getent group postdrop >/dev/null || groupadd --system postdrop
fi

for u in dovecot dovenull postfix; do id "$u" >/dev/null 2>&1 || ms_die "system user $u is missing after the install"; done
ms_say "installed (postfix: $MODE)"
