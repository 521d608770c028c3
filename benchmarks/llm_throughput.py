"""LLM throughput with the transformers provider: batch sizes, and the cost of schema-constrained decoding.

Three measurements, each printing a Markdown table and, with ``--out``, writing JSON with the command line
and the machine load (``uptime``) beside the figures. Nothing is downloaded: models are random Qwen2 built
from a config, tokenizers are trained locally or converted from files that pip wheels ship.

``--masks``   per-token cost of the constrained decoder on real vocabularies (Llama 3, 128,256 tokens;
              Mistral v3, 32,768), replaying the shipped example Formulations token by token: llguidance's
              mask, our budget check and state update. "first" is the first pass over never-seen documents
              just after the schema is compiled, "warm" the second pass. Wall and thread-CPU time are both
              reported: on a loaded machine the wall maximum includes time the process was not running,
              so steps the scheduler interrupted are counted and the wall maximum of the rest is given.
``--e2e``     tiny random model with a real vocabulary on CPU: tokens/s with and without the Formulation
              schema at batch 1/8/32, in a fresh process per batch size: unconstrained, constrained with
              cold grammar caches, unconstrained again (the ratio is to the mean of the two); --repeats
              runs it several times. Besides wall-clock tokens/s, tokens per CPU second of the process
              (all threads): on a shared machine the wall ratio moves with other processes' load.
``--gpu``     Qwen2.5-0.5B and -1.5B shapes in bf16 on CUDA (issue 13): tokens/s at batch 1..64 on real
              prompt lengths (the formulator's system prompt + dataset problems), 256 new tokens, greedy,
              peak GPU memory, and constrained decoding's time as a ratio to unconstrained.
Without a mode: the tiny model on CPU, batch sizes compared (the quick check of batching itself).

  .venv/bin/python benchmarks/llm_throughput.py --masks --out benchmarks/results/constrained_masks.json
  .venv/bin/python benchmarks/llm_throughput.py --e2e --out benchmarks/results/constrained_e2e.json
  python benchmarks/llm_throughput.py --gpu --out benchmarks/results/gpu_throughput.json
(on the GPU machine, which has no network: see benchmarks/gpu_prepare.sh)
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
# One tiny-model builder and the real tokenizers, shared with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit" / "llm"))

from real_tokenizers import formulation_examples, real_tokenizer
from tiny_hf_model import WORDS, build_tiny_model

from optmodel.llm.prompting import build_messages
from optmodel.llm.providers.transformers import TransformersProvider
from optmodel.llm.types import CompletionRequest
from optmodel.modeling.language.ir import Formulation

TINY = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "vocab_size": None}  # fmt: skip
GPU_MODELS = {
    "qwen2.5-0.5b": {"hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
                     "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936},
    "qwen2.5-1.5b": {"hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28,
                     "num_attention_heads": 12, "num_key_value_heads": 2, "vocab_size": 151936},
}  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
PROMPT_LENGTHS = ROOT / "benchmarks" / "prompt_lengths.json"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def tokenizer_for(name: str) -> Any:
    """A real tokenizer by name or saved directory, or None for the tiny model's own trained one."""
    if name == "trained":
        return None
    if Path(name).is_dir():  # as benchmarks/gpu_prepare.sh saves one: any transformers reads it
        from transformers import PreTrainedTokenizerFast

        special = json.loads((Path(name) / "special_tokens.json").read_text())
        return PreTrainedTokenizerFast(tokenizer_file=str(Path(name) / "tokenizer.json"), **special)
    return real_tokenizer(name)


def dataset_problems(count: int, seed: int = 0) -> list[str]:
    """A fixed mix of real problem statements (all datasets, drawn with a fixed seed).

    Where the datasets are absent (the GPU machine), text of the same lengths stands in: PROMPT_LENGTHS
    holds the character counts of the first 64 problems this function draws.
    """
    if not DATASETS.is_dir():
        lengths = json.loads(PROMPT_LENGTHS.read_text())["characters"]
        rng = random.Random(seed)
        filler = " ".join(rng.choice(WORDS) for _ in range(max(lengths)))
        return [filler[rng.randrange(0, len(filler) - n) :][:n] for n in lengths[:count]]
    problems = [
        json.loads(line)["question"]
        for path in sorted(DATASETS.glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    return random.Random(seed).sample(problems, count)


def requests_for(problems: list[str], max_tokens: int, *, system: bool, schema: bool) -> list[Any]:
    """Formulator-style prompts (with the system prompt, or the problem alone)."""
    json_schema = Formulation.json_schema() if schema else None
    out = []
    for i, problem in enumerate(problems):
        messages = build_messages(problem) if system else build_messages(problem)[-1:]
        out.append(
            CompletionRequest(
                tuple(messages),
                max_tokens=max_tokens,
                json_schema=json_schema,
                request_id=f"bench-{i}",
            )
        )
    return out


def load_provider(directory: Path, device: str, batch: int) -> TransformersProvider:
    provider = TransformersProvider(
        str(directory), device=device, ignore_eos=True, batch_size=batch
    )
    provider.load()
    return provider


def timed_complete(provider: TransformersProvider, requests: list[Any]) -> dict[str, Any]:
    import torch

    cuda = torch.cuda.is_available() and provider.device == "cuda"
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started, cpu_started = time.perf_counter(), time.process_time()
    responses = provider.complete(requests)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    failed = [r.error for r in responses if not r.ok]
    if failed:
        raise SystemExit(f"generation failed: {failed[0]}")
    if requests[0].json_schema is not None:
        for response in responses:
            Formulation.model_validate_json(response.text)  # every document complete and valid
    tokens = sum(r.usage.completion_tokens for r in responses)
    return {
        "tokens": tokens,
        "seconds": round(seconds, 3),
        "tokens_per_s": round(tokens / seconds, 1),
        # CPU time of all this process's threads: what the run cost, whoever else used the machine.
        "cpu_s": round(cpu_seconds, 3),
        "tokens_per_cpu_s": round(tokens / cpu_seconds, 1),
        "peak_gpu_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
    }


# -- --masks -------------------------------------------------------------------------------------------


def measure_masks(vocab: str) -> dict[str, Any]:
    import llguidance.numpy
    import numpy as np

    from optmodel.llm.providers.token_constraint import (
        RowConstraint,
        SchemaConstraint,
        TokenVocabulary,
    )

    tokenizer = real_tokenizer(vocab)
    started = time.perf_counter()
    vocabulary = TokenVocabulary.from_tokenizer(tokenizer, len(tokenizer), [tokenizer.eos_token_id])
    vocabulary_s = time.perf_counter() - started
    started = time.perf_counter()
    schema = SchemaConstraint(Formulation.json_schema(), vocabulary)
    compile_s = time.perf_counter() - started
    documents = [
        tokenizer.encode(text, add_special_tokens=False) for _, text in formulation_examples()
    ]
    bitmask = llguidance.numpy.allocate_token_bitmask(1, vocabulary.size)
    passes = {}
    for name in ("first", "warm"):
        wall, cpu, preempted = [], [], []
        for tokens in documents:
            row = RowConstraint(schema)
            for token in tokens:
                switches = _preemptions()
                w0, c0 = time.perf_counter(), time.thread_time()
                llguidance.numpy.fill_next_token_bitmask(row.matcher, bitmask)
                ok = row.fits(token, 10**6)
                row.accept(token)
                cpu.append(time.thread_time() - c0)
                wall.append(time.perf_counter() - w0)
                preempted.append(_preemptions() > switches)
                assert ok and bitmask[0, token // 32] >> (token % 32) & 1
            assert row.is_complete()
        running = [w for w, p in zip(wall, preempted, strict=True) if not p]
        passes[name] = {
            kind: {
                "mean_us": round(float(np.mean(xs)) * 1e6, 1),
                "p99_us": round(float(np.percentile(xs, 99)) * 1e6, 1),
                "max_ms": round(float(np.max(xs)) * 1e3, 2),
            }
            for kind, xs in (("wall", wall), ("cpu", cpu))
        }
        # A step the scheduler interrupted (another process took the core) waited for the machine,
        # not for the decoder: the wall maximum over the other steps is the decoder's own worst.
        passes[name]["preempted_steps"] = sum(preempted)
        passes[name]["wall_max_ms_not_preempted"] = round(max(running) * 1e3, 2)
    return {
        "vocabulary": vocab,
        "tokens": vocabulary.size,
        "document_tokens": sum(map(len, documents)),
        "vocabulary_s": round(vocabulary_s, 2),
        "compile_s": round(compile_s, 3),
        "memo_entries": schema.memo_entries(),
        **passes,
        "apply_batch8_us": round(apply_cost(vocabulary.size, 8) * 1e6, 1),
        "uptime": uptime(),
    }


def _preemptions() -> int:
    """Involuntary context switches of this thread so far (Linux; 0 elsewhere)."""
    import resource

    who = getattr(resource, "RUSAGE_THREAD", None)
    return 0 if who is None else resource.getrusage(who).ru_nivcsw


def apply_cost(size: int, batch: int, repeats: int = 50) -> float:
    """Seconds to apply a batch's bitmask to float32 logits (CPU), mean of ``repeats``."""
    import numpy as np
    import torch

    from optmodel.llm.providers.hf_decoding import apply_bitmask

    bitmask = np.random.default_rng(0).integers(-(2**31), 2**31, ((batch, (size + 31) // 32)))
    bitmask = bitmask.astype(np.int32)
    scores = torch.randn(batch, size)
    started = time.perf_counter()
    for _ in range(repeats):
        apply_bitmask(bitmask, scores)
    return (time.perf_counter() - started) / repeats


# -- --e2e ---------------------------------------------------------------------------------------------


def e2e_worker(directory: Path, batch: int, new_tokens: int) -> dict[str, Any]:
    """One fresh process: unconstrained, then constrained with cold grammar caches, same prompts."""
    import torch

    torch.set_num_threads(1)
    provider = load_provider(directory, "cpu", batch)
    problems = dataset_problems(batch, seed=batch)
    provider.complete(requests_for(problems[:1], 2, system=False, schema=False))  # warm the model
    started = time.perf_counter()
    provider.prepare_schema(Formulation.json_schema())
    prepare_s = time.perf_counter() - started
    free_requests = requests_for(problems, new_tokens, system=False, schema=False)
    # Unconstrained before and after the (cold) constrained run, so a load change on this shared
    # machine shows up in both and the ratio uses their mean.
    before = timed_complete(provider, free_requests)
    constrained = timed_complete(
        provider, requests_for(problems, new_tokens, system=False, schema=True)
    )
    after = timed_complete(provider, free_requests)
    free_tokens_per_s = (before["tokens_per_s"] + after["tokens_per_s"]) / 2
    free_tokens_per_cpu_s = (before["tokens_per_cpu_s"] + after["tokens_per_cpu_s"]) / 2
    return {
        "batch": batch,
        "prepare_s": round(prepare_s, 2),
        "unconstrained": before,
        "unconstrained_after": after,
        "constrained": constrained,
        "ratio": round(constrained["tokens_per_s"] / free_tokens_per_s, 2),
        "ratio_cpu": round(constrained["tokens_per_cpu_s"] / free_tokens_per_cpu_s, 2),
        "uptime": uptime(),
    }


def measure_e2e(vocab: str, batches: list[int], new_tokens: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = build_tiny_model(
            Path(tmp), tokenizer=tokenizer_for(vocab), shape=TINY, max_positions=4096
        )
        for batch in batches:
            command = [sys.executable, __file__, "--e2e-worker", str(directory), str(batch),
                       str(new_tokens)]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            rows.append({"vocabulary": vocab, **json.loads(done.stdout.splitlines()[-1])})
    return rows


# -- --gpu and the default CPU run ------------------------------------------------------------------


def measure_batches(
    shape: dict[str, Any], args: argparse.Namespace, device: str
) -> list[dict[str, Any]]:
    import torch

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = build_tiny_model(
            Path(tmp), tokenizer=tokenizer_for(args.tokenizer), shape=shape, max_positions=8192,
            initializer_range=None, dtype=torch.bfloat16 if device == "cuda" else None,
        )  # fmt: skip
        provider = load_provider(directory, device, 1)
        problems = dataset_problems(max(args.batch_sizes), seed=0)
        for batch in args.batch_sizes:
            provider.batch_size = batch
            # The same fixed mix at every batch size: the first B problems.
            provider.complete(requests_for(problems[:batch], 4, system=True, schema=False))
            row: dict[str, Any] = {"batch": batch}
            for mode in ("unconstrained", "constrained") if args.schema else ("unconstrained",):
                requests = requests_for(
                    problems[:batch], args.max_new_tokens, system=True, schema=mode == "constrained"
                )
                row[mode] = timed_complete(provider, requests)
            if args.schema:
                free, constrained = row["unconstrained"], row["constrained"]
                row["ratio"] = round(constrained["tokens_per_s"] / free["tokens_per_s"], 2)
            row["uptime"] = uptime()
            rows.append(row)
    base = rows[0]["unconstrained"]["tokens_per_s"]
    for row in rows:
        row["x_batch_1"] = round(row["unconstrained"]["tokens_per_s"] / base, 2)
    return rows


def main() -> None:
    if sys.argv[1:2] == ["--e2e-worker"]:
        print(json.dumps(e2e_worker(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--masks", action="store_true", help="per-token mask cost, real vocabularies")
    mode.add_argument("--e2e", action="store_true", help="CPU tokens/s with and without the schema")
    mode.add_argument(
        "--gpu", action="store_true", help="Qwen2.5 shapes in bf16 on CUDA (issue 13)"
    )
    parser.add_argument("--vocab", nargs="+", default=["llama3", "mistral"])
    parser.add_argument("--models", nargs="+", default=list(GPU_MODELS), choices=list(GPU_MODELS))
    parser.add_argument("--tokenizer", default=None, help="llama3 | mistral | trained (--gpu, CPU)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=None)
    parser.add_argument("--max-new-tokens", type=int, default=None, help="default 256 (64 CPU)")
    parser.add_argument("--no-schema", dest="schema", action="store_false")
    parser.add_argument("--repeats", type=int, default=1, help="--e2e: fresh processes per size")
    parser.add_argument("--out", type=Path, default=None, help="write the results here (JSON)")
    args = parser.parse_args()
    args.max_new_tokens = args.max_new_tokens or (64 if not (args.gpu or args.e2e) else 256)
    result: dict[str, Any] = {"command": " ".join(["python", *sys.argv]), "uptime_before": uptime()}
    if args.masks:
        result["rows"] = rows = [measure_masks(v) for v in args.vocab]
        print(
            "| vocabulary | tokens | pass | mean µs (wall/cpu) | p99 µs (wall/cpu) | max ms (wall/cpu) "
            "| max ms, steps not preempted | preempted steps |"
        )
        print("|---|---:|---|---:|---:|---:|---:|---:|")
        for r in rows:
            for name in ("first", "warm"):
                w, c = r[name]["wall"], r[name]["cpu"]
                print(f"| {r['vocabulary']} | {r['tokens']} | {name} | {w['mean_us']}/{c['mean_us']} | "
                      f"{w['p99_us']}/{c['p99_us']} | {w['max_ms']}/{c['max_ms']} | "
                      f"{r[name]['wall_max_ms_not_preempted']} | {r[name]['preempted_steps']} |")  # fmt: skip
    elif args.e2e:
        batches = args.batch_sizes or [1, 8, 32]
        result["rows"] = rows = [
            r
            for v in args.vocab
            for _ in range(args.repeats)
            for r in measure_e2e(v, batches, args.max_new_tokens)
        ]
        print(
            "| vocabulary | batch | free tok/s before/after | constrained tok/s | ratio | ratio, CPU time "
            "| prepare s | uptime |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for r in rows:
            print(f"| {r['vocabulary']} | {r['batch']} | {r['unconstrained']['tokens_per_s']}/"
                  f"{r['unconstrained_after']['tokens_per_s']} | "
                  f"{r['constrained']['tokens_per_s']} | {r['ratio']} | {r['ratio_cpu']} | {r['prepare_s']} | "
                  f"{r['uptime']} |")  # fmt: skip
    else:
        import torch

        device = "cuda" if args.gpu else "cpu"
        if args.gpu and not torch.cuda.is_available():
            raise SystemExit("--gpu needs a CUDA device")
        args.batch_sizes = args.batch_sizes or [1, 2, 4, 8, 16, 32, 64]
        args.tokenizer = args.tokenizer or ("llama3" if args.gpu else "trained")
        shapes = {m: GPU_MODELS[m] for m in args.models} if args.gpu else {"tiny": TINY}
        result["device"] = torch.cuda.get_device_name() if args.gpu else "CPU"
        result["models"] = {}
        for name, shape in shapes.items():
            rows = result["models"][name] = measure_batches(shape, args, device)
            print(f"\n{name} on {result['device']}, {args.max_new_tokens} new tokens, greedy")
            print("| batch | tok/s | x batch 1 | peak GPU GiB | constrained tok/s | ratio |")
            print("|---:|---:|---:|---:|---:|---:|")
            for r in rows:
                c = r.get("constrained", {})
                print(f"| {r['batch']} | {r['unconstrained']['tokens_per_s']} | {r['x_batch_1']} | "
                      f"{r['unconstrained']['peak_gpu_gib']} | {c.get('tokens_per_s', '-')} | "
                      f"{r.get('ratio', '-')} |")  # fmt: skip
    result["uptime_after"] = uptime()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
