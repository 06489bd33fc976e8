# Sourced by scripts/test and scripts/demo: create .venv and install the project on first use.
# Re-installs when pyproject.toml is newer than the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON_BIN="${PYTHON:-python3.11}"
command -v "$PYTHON_BIN" >/dev/null 2>&1 || PYTHON_BIN=python3
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON_BIN" -m venv "$VENV"
fi
STAMP="$VENV/.installed"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev]"
  touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
# No run ever fetches litellm's model cost map from the network.
export LITELLM_LOCAL_MODEL_COST_MAP=True
# Cache compiled bytecode: litellm is large and recompiling it costs seconds per process.
unset PYTHONDONTWRITEBYTECODE
cd "$ROOT"
