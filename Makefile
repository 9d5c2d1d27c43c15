# The two commands of the quick start: `make demo` and `make test`.
PYTHON ?= python3

.PHONY: install demo test lint bench wheel-test

install:
	.ci/install

demo: install
	courtdocs demo

lint:
	ruff check service tests bench
	ruff format --check service tests bench
	mypy

test: install lint
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) -m bench.throughput

# Build the wheel, install it in a fresh virtual environment and run it from another folder
# (also run by `make test`, as tests/packaging/test_wheel.py).
wheel-test: install
	.ci/wheel-test
