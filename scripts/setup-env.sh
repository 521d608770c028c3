#!/usr/bin/env bash
# Create .venv (if needed) and install optmodel into it.
#   scripts/setup-env.sh demo   everything the README's tour uses: core + SCIP, OpenAI client, ALNS, plots,
#                               Parquet (all but the heavy [hf] extra, see the README's Install section)
#   scripts/setup-env.sh test   everything the test suite exercises (CPU-only torch)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-demo}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
pip=(.venv/bin/python -m pip install --disable-pip-version-check -q)
case "$profile" in
  demo)
    "${pip[@]}" -e ".[scip,openai,bandit,plots,parquet]"
    ;;
  test)
    # Pin torch first: an unpinned torch pulls gigabytes of CUDA packages.
    "${pip[@]}" "torch==2.13.0"
    "${pip[@]}" -e ".[dev,scip,hf,openai,bandit,plots,parquet,ray,bench]"
    # The real-vocabulary tests (optmodel[realvocab]); mistral-common without its dependencies, whose
    # numpy pin would downgrade the suite's numpy: only its tokenizer file is read.
    "${pip[@]}" "llama-models>=0.3" "sentencepiece>=0.2" "tiktoken>=0.7"
    "${pip[@]}" --no-deps "mistral-common>=1.13"
    ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
