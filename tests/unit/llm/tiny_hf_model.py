"""Builds a tiny, randomly initialised causal LM with a locally trained tokenizer (no downloads).

The tokenizer is a byte-level BPE trained on a few hundred synthetic lines of text and JSON, wrapped as a
PreTrainedTokenizerFast with a ChatML chat template; the model is a 2-layer Qwen2 with hidden size 32.
Both are saved to a directory and must be loaded back through the normal ``from_pretrained`` path.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

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


def training_lines(count: int = 400, seed: int = 0) -> list[str]:
    """Synthetic prose and JSON, so the BPE learns merges for words, digits and JSON punctuation."""
    rng = random.Random(seed)
    lines = []
    for _ in range(count // 2):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(12)))
        record = {"name": rng.choice(WORDS), "value": rng.randint(0, 999), "ok": rng.random() < 0.5}
        lines.append(json.dumps(record))
    return lines


def build_tiny_model(directory: Path, *, vocab_size: int = 400, chat_template: bool = True) -> Path:
    """Train the tokenizer, build the random model, save both to ``directory`` and return it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

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
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
        initializer_range=0.5,  # large random weights: outputs that differ from prompt to prompt
    )
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
