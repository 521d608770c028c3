"""Builds a tiny, randomly initialised causal LM with a locally trained tokenizer (no downloads).

The tokenizer is a byte-level BPE trained on a few hundred synthetic lines of text and JSON, wrapped as a
PreTrainedTokenizerFast with a ChatML chat template; the model is a 2-layer Qwen2 with hidden size 32 (a
Llama of the same shape for a given SentencePiece tokenizer, see build_tiny_model).
Both are saved to a directory and must be loaded back through the normal ``from_pretrained`` path.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WORDS = [
    "maximize",
    "minimize",
    "profit",
    "cost",
    "subject",
    "to",
    "constraint",
    "variable",
    "integer",
    "binary",
    "sum",
    "for",
    "each",
    "factory",
    "product",
    "demand",
    "capacity",
    "the",
    "a",
    "of",
    "and",
    "x",
    "y",
    "z",
    "name",
    "value",
    "items",
    "kind",
    "flag",
]


TINY_SHAPE: dict[str, Any] = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": None,
}


def training_lines(count: int = 400, seed: int = 0) -> list[str]:
    """Synthetic prose and JSON, so the BPE learns merges for words, digits and JSON punctuation."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count // 2):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(12)))
        record = {"name": rng.choice(WORDS), "value": rng.randint(0, 999), "ok": rng.random() < 0.5}
        lines.append(json.dumps(record))
    return lines


def build_tiny_model(
    directory: Path,
    *,
    vocab_size: int = 400,
    chat_template: bool = True,
    shape: dict[str, Any] | None = None,
    max_positions: int = 1024,
    initializer_range: float | None = 0.5,
    seed: int = 0,
    tokenizer: Any = None,
    dtype: Any = None,
) -> Path:
    """Train the tokenizer, build the random model, save both to ``directory`` and return it.

    ``shape`` overrides the model's sizes (the throughput benchmark builds a Qwen2.5-0.5B-sized one);
    a ``vocab_size`` of None there means the tokenizer's own size. A given ``tokenizer`` (a fast HF
    tokenizer, e.g. a real vocabulary) is used instead of training one. A ``dtype`` (bf16 for the GPU
    benchmark) builds the weights in that dtype, on the GPU when there is one.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        AutoTokenizer,
        LlamaConfig,
        LlamaForCausalLM,
        LlamaTokenizer,
        PreTrainedTokenizerFast,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    if tokenizer is None:
        bpe = Tokenizer(models.BPE())
        bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        bpe.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
        bpe.train_from_iterator(training_lines(), trainer)
        tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>")
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    # Named explicitly: otherwise loading next to a Qwen2 config adds Qwen2's own pad/unk token.
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    tokenizer.unk_token = tokenizer.unk_token or tokenizer.eos_token
    sizes = {**TINY_SHAPE, **(shape or {})}
    sizes["vocab_size"] = sizes["vocab_size"] or len(tokenizer)
    # Large random weights (0.5) give outputs that differ from prompt to prompt in the tests.
    extra = {} if initializer_range is None else {"initializer_range": initializer_range}
    # A SentencePiece vocabulary (Mistral's) goes with a Llama model: next to a Qwen2 config,
    # transformers 5's AutoTokenizer reads the same tokenizer.json as Qwen2's byte-level tokenizer,
    # which garbles every piece with a "▁" (60% of Mistral's 32k tokens).
    llama = isinstance(tokenizer, LlamaTokenizer)
    config_class, model_class = (
        (LlamaConfig, LlamaForCausalLM) if llama else (Qwen2Config, Qwen2ForCausalLM)
    )
    config = config_class(
        **sizes,
        max_position_embeddings=max_positions,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
        **extra,
    )
    torch.manual_seed(seed)
    if dtype is None:
        model = model_class(config)
    else:  # large shapes: initialise on the GPU, in the target dtype
        with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
            model = model_class(config).to(dtype)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    loaded = AutoTokenizer.from_pretrained(directory)
    if len(loaded) > sizes["vocab_size"]:
        raise ValueError(
            f"the saved tokenizer has {len(loaded)} tokens, the model {sizes['vocab_size']}"
        )
    sample = range(0, len(tokenizer), max(len(tokenizer) // 3000, 1))
    if [loaded.decode([i]) for i in sample] != [tokenizer.decode([i]) for i in sample]:
        raise ValueError(
            f"the tokenizer loads back as {type(loaded).__name__}, spelling tokens differently"
        )
    return directory
