# k8slab: the two commands of the README are `make lab` and `make test`.
# Everything else here is a step they run; each step skips what is already done.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=
# auto: kind where Docker and kind answer, else local (real nodes) where the machine can
# run them, else kwok (simulated nodes); `make lab ENGINE=kwok` pins one. `make test`
# never picks kind (its suite is the local engine's, else kwok's): on kind, `make test-kind`
ENGINE ?= auto

# make test-kind: what runs on kind (the unit tests and the series, outputs not compared:
# the stored ones are the real-node engine's); .github/workflows/notebooks-kind.yml runs it
KIND_TESTS       ?= $(wildcard tests/test_*_unit.py) notebooks
KIND_PYTEST_ARGS := -o addopts= -p no:cacheprovider -ra --nbval-lax --k8slab-solutions --nbval-cell-timeout=600

.PHONY: venv build up lab test test-kind bench down doctor clean-venv

venv: $(VENV)/.k8slab-installed

$(VENV)/.k8slab-installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,lab]'
	touch $@

build: venv            ## build what the engine needs (cached in ~/.cache/k8slab; nothing for kind)
	$(BIN)/k8slab build --engine $(ENGINE)

up: build              ## start the lab cluster (reuses a healthy one)
	$(BIN)/k8slab up --engine $(ENGINE)

lab: up                ## the main job: cluster up, JupyterLab on notebooks/
	$(BIN)/k8slab lab

# --k8slab-solutions (also in pyproject's addopts): the lessons' reference solutions run before their checks
test: venv             ## the whole suite on the engine it is written for (local, else kwok; never kind)
	@engine=$$($(BIN)/python -m k8slab.engine.suite $(ENGINE)) || exit 2; \
	echo "make test: the suite on the $$engine engine"; \
	$(BIN)/k8slab build --engine $$engine && $(BIN)/k8slab up --engine $$engine || exit $$?; \
	rc=0; $(BIN)/pytest tests $(wildcard notebooks) --k8slab-solutions $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests"; exit 1; fi; exit $$rc

test-kind: venv        ## on kind: unit tests + the series under --nbval-lax (every cell must run)
	$(BIN)/k8slab up --engine kind
	$(BIN)/pytest $(KIND_TESTS) $(KIND_PYTEST_ARGS) $(PYTEST_ARGS)

bench: up              ## benchmarks side by side with kubectl -> bench/results/latest.json
	$(BIN)/python -m bench

doctor: venv
	$(BIN)/k8slab doctor

down: venv
	$(BIN)/k8slab down

clean-venv:
	rm -rf $(VENV)
