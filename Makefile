# Sluice — build, test and demo. `make demo` and `make test` work on a fresh
# machine: they create the Python virtual environment first.
SHELL := /bin/bash
.DEFAULT_GOAL := build

# The embedded interpreter is the one `pkg-config python3-embed` describes;
# the virtual environment must be made by that same Python.
PY_PC      := python3-embed
PY_VERSION := $(shell pkg-config --modversion $(PY_PC) 2>/dev/null)
PY_PREFIX  := $(shell pkg-config --variable=prefix $(PY_PC) 2>/dev/null)
PY_LIBDIR  := $(shell pkg-config --variable=libdir $(PY_PC) 2>/dev/null)
PYTHON     := $(PY_PREFIX)/bin/python$(PY_VERSION)
VENV       := $(CURDIR)/.venv
BIN        := $(CURDIR)/bin

export CGO_ENABLED := 1
# rpath: the binary finds libpython without LD_LIBRARY_PATH.
export CGO_LDFLAGS := -Wl,-rpath,$(PY_LIBDIR)
GO_LDFLAGS := -X github.com/sluice-stream/sluice/cpython.DefaultVenv=$(VENV)
GO_TEST    := go test -count=1
FUZZTIME   ?= 15s
# The format decoders run by execution count: a time limit can end while
# Go minimizes a new input, which go test then reports as a failure
# ("context deadline exceeded").
FUZZEXECS  ?= 40000x

.PHONY: setup check-prereqs build test test-long test-unit test-all test-python test-fuzz lint bench demo clean services-up services-down

check-prereqs:
	@command -v go >/dev/null || { echo "error: Go is not installed (need Go >= 1.25)"; exit 1; }
	@command -v gcc >/dev/null || { echo "error: gcc is not installed (cgo needs a C compiler)"; exit 1; }
	@[ -n "$(PY_VERSION)" ] || { echo "error: pkg-config finds no python3-embed; install the Python development files (Debian: apt-get install python3-dev pkg-config)"; exit 1; }
	@[ -x "$(PYTHON)" ] || { echo "error: $(PYTHON), the interpreter matching python3-embed, is missing"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "error: $(PYTHON) lacks venv/ensurepip (Debian: apt-get install python$(PY_VERSION)-venv)"; exit 1; }

setup: check-prereqs $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@echo "==> Python $(PY_VERSION) virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

build: setup
	go build -ldflags "$(GO_LDFLAGS)" -o $(BIN)/sluice ./cmd/sluice

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	go vet ./...

# The integration tests (connectors against Kafka and MariaDB) read where
# the services are from these; without them they skip.
SERVICES_ENV := SLUICE_TEST_KAFKA=127.0.0.1:9092 \
	SLUICE_TEST_MARIADB_URL=jdbc:mysql://127.0.0.1:3306/sluice \
	SLUICE_TEST_MARIADB_USER=sluice SLUICE_TEST_MARIADB_PASSWORD=sluice

# Unit tests alone: integration tests skip.
test-unit: setup
	$(GO_TEST) ./...

# Every Go test with the real services (started if they are not running;
# `make services-down` stops them).
test-all: setup services-up
	$(SERVICES_ENV) $(GO_TEST) -timeout 30m ./...

# A short run of each fuzz target; the seed corpora also run in test-unit.
test-fuzz: setup
	$(GO_TEST) -run '^$$' -fuzz '^FuzzRowIdentity$$' -fuzztime $(FUZZTIME) ./cpython/
	$(GO_TEST) -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./table/sql/
	$(GO_TEST) -run '^$$' -fuzz '^FuzzCastString$$' -fuzztime $(FUZZTIME) ./vectorized/expr/
	$(GO_TEST) -run '^$$' -fuzz '^FuzzCSVDecode$$' -fuzztime $(FUZZEXECS) ./connectors/format/csv/
	$(GO_TEST) -run '^$$' -fuzz '^FuzzJSONDecode$$' -fuzztime $(FUZZEXECS) ./connectors/format/json/

# The Python API's tests, run by pytest inside the sluice binary's
# embedded interpreter, with the services (the DataStream Kafka tests).
test-python: build services-up
	$(SERVICES_ENV) $(BIN)/sluice run -m pytest -q -p no:cacheprovider python/tests

test: setup lint build test-all test-python test-fuzz
	@echo "==> all tests passed"

# The long forms: kill tests with 20 SIGKILLs each (`make test` runs them
# with 3), against the same services.
test-long: setup build services-up
	$(SERVICES_ENV) SLUICE_KILL_TEST_KILLS=20 SLUICE_KAFKA_KILLS=20 $(GO_TEST) -timeout 60m -run 'Kill' -v ./examples/... ./connectors/...
	@echo "==> long tests passed"

bench: build services-up
	$(SERVICES_ENV) go test -run '^$$' -bench . -benchtime 1x ./bench/ ./engine/ ./vectorized/expr/ ./connectors/format/...
	$(BIN)/sluice bench udf
	$(BIN)/sluice bench sql
	$(SERVICES_ENV) $(BIN)/sluice bench kafka
	$(SERVICES_ENV) $(BIN)/sluice bench jdbc
	$(BIN)/sluice bench checkpoint

# The seed's CDN job on embedded defaults (CSV log files → SQLite), then
# the per-province table.
demo: build
	SLUICE=$(BIN)/sluice bash examples/cdn/run_embedded.sh

clean:
	rm -rf $(BIN)

# Real Kafka (KRaft, 127.0.0.1:9092) and MariaDB (127.0.0.1:3306, db/user/password
# sluice) for the connector tests; state and the Kafka jars live under
# ${SLUICE_CACHE:-$HOME/.cache/sluice}. `make test` starts them.
services-up:
	scripts/services/up.sh

services-down:
	scripts/services/down.sh
