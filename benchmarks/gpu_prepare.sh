#!/usr/bin/env bash
# Prepare `benchmarks/llm_throughput.py --gpu` for the GPU machine (Python 3.12, no network): wheels of
# what its image lacks and the Llama 3 tokenizer as tokenizer.json, in benchmarks/out/gpu (git-ignored).
# Then, with benchmarks/out/gpu carried there (issue 13; about 4 minutes per model on an H200):
#   python3 -m pip install -q --no-index --no-deps --target /tmp/site benchmarks/out/gpu/whl/*.whl &&
#   PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 python3 benchmarks/llm_throughput.py --gpu \
#     --tokenizer benchmarks/out/gpu/llama3 --out $OUT/gpu_throughput.json
set -euo pipefail
cd "$(dirname "$0")/.."
out=benchmarks/out/gpu
rm -rf "$out" && mkdir -p "$out/whl" "$out/llama3"
pins=$(.venv/bin/python -c "
from importlib.metadata import version
names = ['llguidance', 'pydantic', 'pydantic-core', 'annotated-types', 'typing-inspection', 'pyomo']
print(' '.join(f'{n}=={version(n)}' for n in names))")
# shellcheck disable=SC2086
.venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_31_x86_64 --platform manylinux_2_28_x86_64 \
  --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d "$out/whl" $pins
PYTHONPATH=src .venv/bin/python - "$out/llama3" <<'PY'
import json
import sys
from pathlib import Path

sys.path.insert(0, "tests/unit/llm")
from real_tokenizers import llama3_tokenizer

tokenizer, target = llama3_tokenizer(), Path(sys.argv[1])
tokenizer.backend_tokenizer.save(str(target / "tokenizer.json"))
special = {"bos_token": tokenizer.bos_token, "eos_token": tokenizer.eos_token}
(target / "special_tokens.json").write_text(json.dumps(special))
PY
du -sh "$out"
