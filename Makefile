# Two commands on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCENARIO ?= scenarios/slough_2014_investment.yaml
REPLICATIONS ?= 100

.PHONY: help install native pure report test test-fast lab app strip clean

help:
	@echo "make report     run the default Slough report into outputs/"
	@echo "make native     recompile the model with mypyc after editing one of its compiled modules (workforce_sim/native_modules.py)"
	@echo "make pure       remove the compiled model (the pure-Python sources run, as with WFSIM_PURE=1)"
	@echo "make test       run the whole test suite (what CI runs)"
	@echo "make test-fast  the same without the tests marked slow (a few minutes less)"
	@echo "make lab        open the notebooks in JupyterLab"
	@echo "make app        serve the notebooks as an app without code cells (Voila; the workbench first)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	$(BIN)/python -m ipykernel install --sys-prefix --name workforce_sim --display-name "workforce_sim" >/dev/null
	touch $(STAMP)

install: $(STAMP)

# the install compiles the model in place when a C compiler is there (setup.py); an edited source is not compiled
# again by itself: until `make native`, the pure-Python model runs (with a warning)
native: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-deps -e .

pure:
	find src -name '*.so' -delete
	rm -f src/workforce_sim/_native.json

report: $(STAMP)
	$(BIN)/wfsim report $(SCENARIO) --replications $(REPLICATIONS)

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts notebooks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 tests notebooks

test-fast: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts notebooks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 -m "not slow" tests notebooks

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab notebooks/

APP_PORT ?= 8866
app: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[app]'
	cd notebooks && ../$(BIN)/voila --no-browser --port=$(APP_PORT) --strip_sources=True workbench.ipynb

strip: $(STAMP)
	$(BIN)/nbstripout notebooks/*.ipynb

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
