#!/usr/bin/env bash
# Installe les paquets Debian manquants.
#   scripts/system-deps.sh runtime : ce dont l'application a besoin pour servir
#     (Pango et des polices pour le rapport PDF de WeasyPrint) ; sans droits
#     d'administration, prévient sans échouer (seul le PDF manquerait).
#   scripts/system-deps.sh         : en plus, ce dont les tests ont besoin :
#     PostgreSQL (serveur jetable lancé par les tests), Chromium (tests
#     navigateur) et Java (ODK Validate, qui vérifie l'export XLSForm).
#   scripts/system-deps.sh bench   : ce dont l'application a besoin, plus R et
#     son paquet `survey` (la référence à laquelle `make bench` compare
#     `nonrecours analyse`) ; sans droits d'administration, prévient sans
#     échouer (seule la ligne de comparaison avec R manquerait).
set -euo pipefail
mode="${1:-test}"

missing=()
# (grep -c, not -q: with pipefail, -q closing the pipe early would fail it)
if ! ldconfig -p 2>/dev/null | grep -c "libpangoft2-1.0.so.0" >/dev/null; then
  missing+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
fi
if ! fc-list 2>/dev/null | grep -ci "dejavu" >/dev/null; then
  missing+=(fonts-dejavu-core)
fi
if [ "$mode" = "bench" ]; then
  # survey's calibrate() loads MASS, which Debian only recommends.
  if ! command -v Rscript >/dev/null 2>&1; then
    missing+=(r-base-core r-cran-survey r-cran-mass)
  elif ! Rscript -e 'quit(status = !all(sapply(c("survey", "MASS"), requireNamespace, quietly = TRUE)))' >/dev/null 2>&1; then
    missing+=(r-cran-survey r-cran-mass)
  fi
elif [ "$mode" != "runtime" ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    missing+=(chromium)
  fi
  if ! command -v java >/dev/null 2>&1; then
    missing+=(default-jre-headless)  # ODK Validate, run by the XLSForm tests
  fi
  if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing+=(postgresql)
  fi
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Paquets Debian manquants : ${missing[*]}." >&2
  echo "Installez-les avec : sudo apt-get install ${missing[*]}" >&2
  [ "$mode" = "runtime" ] && echo "(sans eux, le rapport PDF ne peut pas être produit)" >&2 && exit 0
  [ "$mode" = "bench" ] && echo "(sans eux, la comparaison avec R n'est pas mesurée)" >&2 && exit 0
  exit 1
fi
echo "Installation des paquets Debian manquants : ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if [ "$mode" = "bench" ]; then
  # The benchmarks still run without R: only its comparison line is missing.
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    echo "Installation impossible : la comparaison avec R ne sera pas mesurée." >&2
  exit 0
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
