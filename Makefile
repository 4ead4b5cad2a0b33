# citytour: `make run` serves the demo tour, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: run test install system-packages messages makemessages lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# The CJK fonts for posters, tickets and certificates (the second for rare characters in names); zbarimg and pdftotext for the tests; chromium for the
# browser tests; gettext to compile translations. Installed when missing and apt is usable.
SYSTEM_PACKAGES := fonts-wqy-zenhei fonts-hanazono zbar-tools libzbar0 poppler-utils gettext chromium
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "Please install: $$missing (sudo apt-get install $$missing)"; fi; \
	fi

messages: install
	$(MANAGE) compilemessages -v0 --ignore=.venv

makemessages: install
	$(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench --no-obsolete

run: system-packages install messages
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) seed_demo
	@echo
	@echo "citytour is at http://$(HOST):$(PORT)/  ·  organizers: http://$(HOST):$(PORT)/admin/"
	@echo "Log in as admin@demo.citytour.cn / citytour-demo (every demo login is listed above)."
	$(MANAGE) runserver $(HOST):$(PORT)

test: system-packages install messages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The registration benchmark (PostgreSQL at BENCH_POSTGRES, Redis at BENCH_REDIS; see the README).
bench: install messages
	$(PY) bench/registration.py

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
