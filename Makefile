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

.PHONY: run test test-sqlite test-postgresql test-clock quality fix bench system-deps install clean

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
ARGS ?=
test: install system-deps
	@sqlite=réussie; postgresql=réussie; \
	$(BIN)/pytest $(ARGS) || sqlite="ÉCHOUÉE (code $$?)"; \
	$(BIN)/pytest --postgresql $(ARGS) || postgresql="ÉCHOUÉE (code $$?)"; \
	echo "make test : passe SQLite $$sqlite ; passe PostgreSQL $$postgresql."; \
	[[ $$sqlite == réussie && $$postgresql == réussie ]]

test-sqlite: install system-deps
	$(BIN)/pytest $(ARGS)

test-postgresql: install system-deps
	$(BIN)/pytest --postgresql $(ARGS)

# La suite SQLite avec l'horloge avancée (CLOCK_OFFSET_DAYS jours, 400 par
# défaut) : un test qui dépend de la date du jour échoue ici, pas le jour où
# le calendrier le rattrape.
CLOCK_OFFSET_DAYS ?= 400
test-clock: install system-deps
	$(BIN)/pytest --clock-offset-days=$(CLOCK_OFFSET_DAYS) $(ARGS)

quality: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
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

# Entrées hostiles (tests/www/test_hostile_input.py, tests/surveys/test_hostile_answers.py)
# avec beaucoup plus d'exemples tirés au hasard que `make test` (graine fixe, exemples bornés).
.PHONY: fuzz
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/www/test_hostile_input.py \
		tests/surveys/test_hostile_answers.py -p no:cacheprovider -q
