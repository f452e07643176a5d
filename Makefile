# Kaigo Portal: `make run` serves the demo, `make test` runs the whole suite (both set themselves up).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp

.PHONY: install run worker test check lint format bench clean lock

# Every machine installs the same versions: from the lock file, each package checked by its hash. The
# ranges in pyproject.toml stay for people who embed the apps; `make lock` pins them again.
$(STAMP): pyproject.toml requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# The demo: SQLite and a file-based Celery broker under var/, a worker with beat beside the web server.
# MFA is off here (a banner says so); `KAIGO_REQUIRE_MFA=true make run` shows the enforcement.
run: export KAIGO_REQUIRE_MFA ?= false
run: export DJANGO_RUNSERVER_HIDE_WARNING = true
run: install
	@mkdir -p var
	@echo "データベースを準備しています…"
	@$(BIN)/python manage.py migrate --noinput --verbosity 0
	@LOG_LEVEL=WARNING $(BIN)/python manage.py seed_demo --quiet
	@: > var/celery.log
	@$(BIN)/celery --quiet -A kaigo_portal worker --beat --loglevel=INFO --concurrency=1 --logfile=var/celery.log \
	    >>var/celery.log 2>&1 & worker=$$!; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) & server=$$!; \
	  trap 'kill $$worker $$server 2>/dev/null' EXIT INT TERM; \
	  for _ in $$(seq 150); do grep -q " ready" var/celery.log && break; sleep 0.2; done; \
	  for _ in $$(seq 150); do $(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", $(PORT)))' 2>/dev/null && break; sleep 0.2; done; \
	  echo "Celery ワーカーとスケジューラを起動しました（ログ: var/celery.log）"; \
	  LOG_LEVEL=WARNING $(BIN)/python manage.py seed_demo --sign-ins-only http://127.0.0.1:$(PORT)/; \
	  wait $$server

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# `# fmt: skip` is for literal tables only (the authorization matrix, layouts, test tables): at most this many.
FMT_SKIP_MAX := 69

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@n=$$(grep -r --include='*.py' --exclude-dir=.venv --exclude-dir=node_modules -o '# fmt: skip' . | wc -l); \
	  if [ "$$n" -gt $(FMT_SKIP_MAX) ]; then \
	    echo "$$n '# fmt: skip' markers, more than $(FMT_SKIP_MAX): let the formatter format (literal tables only)"; exit 1; \
	  else echo "fmt: skip markers: $$n (at most $(FMT_SKIP_MAX))"; fi

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test

bench: install
	$(BIN)/python -m bench

# The three lock files (Python 3.11 on Linux): the runtime (the Dockerfile), with the dev tools (make
# install), and with the card agent too (.ci/run). pip-tools is installed for this only.
LOCK := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: install
	$(BIN)/python -m pip install --quiet pip-tools
	$(LOCK) --output-file=requirements.lock pyproject.toml
	$(LOCK) --extra=dev --output-file=requirements-dev.lock pyproject.toml
	$(LOCK) --extra=dev --extra=agent --output-file=requirements-agent.lock pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache
