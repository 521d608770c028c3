#!/usr/bin/env bash
# Set up the environment and run every check: ruff, mypy, the import-layer contract and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh test
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/ruff check --no-cache src tests benchmarks
.venv/bin/ruff format --no-cache --check src tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/python -m pytest "$@"
