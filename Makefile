# Two entry points for a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: run test install install-test browser lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: install, migrate the database, load the demo data and serve on http://localhost:$(PORT)
run: install
	$(BIN)/trainer validate
	$(BIN)/trainer db upgrade
	$(BIN)/trainer seed-demo
	$(BIN)/streamlit run serve.py --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

## browser: Debian's chromium for the browser tests (installed when missing and we are root)
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; \
	else echo "WARNING: /usr/bin/chromium missing and not root: browser tests will be skipped"; fi

## test: install what the tests need and run the whole suite (SQLite, PostgreSQL, browser)
test: install-test browser
	$(BIN)/ruff check .
	$(BIN)/trainer validate
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/bench_content.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
