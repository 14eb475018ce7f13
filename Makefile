# k8slab: the two commands of the README are `make lab` and `make test`.
# Everything else here is a step they run; each step skips what is already done.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=
# auto: kind where Docker and kind answer, else local (real nodes) where the machine can
# run them, else kwok (simulated nodes); `make test ENGINE=kwok` pins one
ENGINE ?= auto

.PHONY: venv build up lab test bench down doctor clean-venv

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

test: up               ## the whole test suite: unit, cluster, magics, widgets, notebooks (nbval)
	@rc=0; $(BIN)/pytest tests $(wildcard notebooks) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests"; exit 1; fi; exit $$rc

bench: up              ## benchmarks side by side with kubectl -> bench/results/latest.json
	$(BIN)/python -m bench

doctor: venv
	$(BIN)/k8slab doctor

down: venv
	$(BIN)/k8slab down

clean-venv:
	rm -rf $(VENV)
