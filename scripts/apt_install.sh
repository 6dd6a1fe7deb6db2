#!/usr/bin/env bash
# Installs the apt packages named, with sudo when not root. The callers decide what is missing and say why.
#
#   bash scripts/apt_install.sh PACKAGE...
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" > /dev/null
