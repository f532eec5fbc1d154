#!/usr/bin/env bash
# Installs the Debian packages the real-server tests need, when they are missing. CI runs on a fresh
# clone, so nothing installed by hand can be assumed (DEVELOPERS.md). Idempotent and quick when
# everything is present.
set -euo pipefail
declare -A need=(
  [named]=bind9
  [named-checkzone]=bind9-utils
  [dig]=bind9-dnsutils
  [doveadm]=dovecot-core
  [postfix]=postfix
  [nft]=nftables
  [ip]=iproute2
  [docker-compose]=docker-compose
  [dockerd]=docker.io
  [openssl]=openssl
  [nginx]=nginx-light
  [caddy]=caddy
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${need[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # postfix asks debconf questions; answer them so the install never blocks on stdin.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi
