#!/usr/bin/env bash
# Installe les paquets Debian dont les tests ont besoin quand ils manquent :
# PostgreSQL (serveur jetable lancé par les tests), Chromium (tests navigateur)
# et Java (ODK Validate, qui vérifie l'export XLSForm).
set -euo pipefail

missing=()
if ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium fonts-dejavu-core)
fi
if ! command -v java >/dev/null 2>&1; then
  missing+=(default-jre-headless)  # ODK Validate, run by the XLSForm tests
fi
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Paquets Debian manquants : ${missing[*]}." >&2
  echo "Installez-les avec : sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installation des paquets Debian manquants : ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
