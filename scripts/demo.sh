#!/usr/bin/env bash
# Set up the environment and solve every bundled example: hand-written models and plain-language problems.
# The plain-language ones go through the full LLM pipeline with replayed responses (examples/nl/responses.jsonl),
# so this runs with no model weights and no network; pass --llm SPEC to formulate them live instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh demo
llm=(--llm "recorded:examples/nl/responses.jsonl")
if [ "$#" -gt 0 ]; then llm=("$@"); fi
.venv/bin/optmodel solve examples/*.json examples/*.yaml
.venv/bin/optmodel solve examples/nl/*.txt "${llm[@]}"
