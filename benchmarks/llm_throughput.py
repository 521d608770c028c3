"""LLM throughput: batched vs one-at-a-time generation with the transformers provider.

Run (CPU, tiny model):  ``.venv/bin/python benchmarks/llm_throughput.py``
Run (GPU, 0.5B-size):   ``python benchmarks/llm_throughput.py --gpu``

Both modes build a randomly initialised Qwen2 model from a config and a byte-level BPE tokenizer trained
locally on synthetic text (nothing is downloaded), save them to a temporary directory and load them back
through ``TransformersProvider`` - the code path users run. ``--gpu`` uses a Qwen2.5-0.5B-like config
(hidden 896, 24 layers, 14 heads, 2 KV heads, intermediate 4864, vocabulary 151936) in bf16 on CUDA; the
tokenizer's own vocabulary is small, the model's output layer keeps the realistic size.

Every request generates exactly ``--max-new-tokens`` tokens (EOS is banned), so batch sizes are compared on
equal work. For each batch size B the same kind of prompts are sent, ``--rounds`` x B of them, and the
table reports generated tokens per second and the ratio to B = 1, measured side by side in one run.
Target on GPU: >= 10x the batch-1 throughput at B = 32.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
# One tiny-model builder for the tests and this benchmark.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit" / "llm"))

from tiny_hf_model import WORDS, build_tiny_model

from optmodel.llm.providers.transformers import TransformersProvider
from optmodel.llm.types import CompletionRequest

TINY = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "vocab_size": None}  # fmt: skip
QWEN25_05B = {"hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
              "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936}  # fmt: skip


def build_model(directory: Path, shape: dict[str, Any], seed: int = 0) -> Path:
    """A locally trained tokenizer and a random Qwen2 of ``shape`` (the test suite's builder, resized)."""
    return build_tiny_model(
        directory,
        vocab_size=500,
        shape=shape,
        max_positions=4096,
        initializer_range=None,
        seed=seed,
    )


def make_requests(
    count: int, max_new_tokens: int, words: int, seed: int
) -> list[CompletionRequest]:
    rng = random.Random(seed)
    return [
        CompletionRequest.from_prompt(
            " ".join(rng.choice(WORDS) for _ in range(words + rng.randint(-4, 4))),
            max_tokens=max_new_tokens,
            request_id=f"bench-{i}",
        )
        for i in range(count)
    ]


def measure(provider: TransformersProvider, batch: int, args: argparse.Namespace) -> dict[str, Any]:
    import torch

    cuda = torch.cuda.is_available() and args.gpu
    provider.batch_size = batch
    # Warm-up at this batch size (kernels, allocator), short and not timed.
    provider.complete(make_requests(batch, 4, args.prompt_words, seed=batch))
    requests = make_requests(
        batch * args.rounds, args.max_new_tokens, args.prompt_words, seed=1000 + batch
    )
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    responses = provider.complete(requests)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    failed = [r.error for r in responses if not r.ok]
    if failed:
        raise SystemExit(f"generation failed at batch size {batch}: {failed[0]}")
    tokens = sum(r.usage.completion_tokens for r in responses)
    if tokens != len(requests) * args.max_new_tokens:
        raise SystemExit(f"expected {len(requests) * args.max_new_tokens} tokens, got {tokens}")
    return {
        "batch_size": batch,
        "requests": len(requests),
        "tokens": tokens,
        "seconds": round(seconds, 3),
        "tokens_per_s": round(tokens / seconds, 1),
        "peak_gpu_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--gpu", action="store_true", help="0.5B-size model in bf16 on CUDA")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64])
    parser.add_argument("--max-new-tokens", type=int, default=None, help="default: 128 GPU, 64 CPU")
    parser.add_argument(
        "--rounds", type=int, default=None, help="rows send rounds x B requests (2 GPU, 8 CPU)"
    )
    parser.add_argument("--prompt-words", type=int, default=40)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    args.max_new_tokens = args.max_new_tokens or (128 if args.gpu else 64)
    args.rounds = args.rounds or (2 if args.gpu else 8)

    import torch
    import transformers

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.gpu and not torch.cuda.is_available():
        raise SystemExit("--gpu needs a CUDA device")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = build_model(Path(tmp), QWEN25_05B if args.gpu else TINY)
        provider = TransformersProvider(
            str(path), device="cuda" if args.gpu else "cpu", ignore_eos=True, batch_size=1
        )
        provider.load()
        _, model = provider._loaded  # type: ignore[misc]
        parameters = sum(p.numel() for p in model.parameters())
        setup_s = time.perf_counter() - started
        rows = [measure(provider, b, args) for b in args.batch_sizes]
    base = next((r["tokens_per_s"] for r in rows if r["batch_size"] == 1), rows[0]["tokens_per_s"])
    for row in rows:
        row["ratio_to_batch_1"] = round(row["tokens_per_s"] / base, 2)
    device = (
        torch.cuda.get_device_name() if args.gpu else f"CPU, {torch.get_num_threads()} thread(s)"
    )
    print(
        f"model: random Qwen2, {parameters / 1e6:.3g}M parameters, "
        f"{'bf16' if args.gpu else 'float32'}, on {device}; torch {torch.__version__}, "
        f"transformers {transformers.__version__}; setup {setup_s:.1f}s"
    )
    print(
        f"{args.max_new_tokens} new tokens per request, EOS banned; {args.rounds} x B requests per row\n"
    )
    print("| batch | requests | tokens | seconds | tokens/s | x batch 1 | peak GPU GiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['batch_size']} | {r['requests']} | {r['tokens']} | {r['seconds']} | "
            f"{r['tokens_per_s']} | {r['ratio_to_batch_1']} | {r['peak_gpu_gib'] or '-'} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"device": device, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
