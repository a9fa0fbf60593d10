#!/usr/bin/env bash
# Install PyTorch into the active environment, the right build for this machine:
# - already installed: nothing to do;
# - an NVIDIA GPU: the default (CUDA) build from PyPI;
# - a CPU-only machine with a local CPU wheel that pip finds (find-links): that wheel, no download;
# - a CPU-only machine otherwise: the CPU build from the PyTorch index (a few hundred MB, not GBs).
set -euo pipefail
PY=${PYTHON:-python}
if "$PY" -c "import torch" 2>/dev/null; then
  echo "torch $("$PY" -c 'import torch; print(torch.__version__)') already installed"
  exit 0
fi
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  exec "$PY" -m pip install "torch>=2.3"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if "$PY" -m pip download --no-deps --no-index -q -d "$tmp" "torch>=2.3" 2>/dev/null; then
  version=$(ls "$tmp" | sed -n 's/^torch-\([^-]*\)-.*/\1/p' | head -n1)
  echo "using the local CPU wheel of torch $version"
  exec "$PY" -m pip install "torch==${version%%+*}"
fi
exec "$PY" -m pip install "torch>=2.3" --index-url https://download.pytorch.org/whl/cpu \
  --extra-index-url https://pypi.org/simple
