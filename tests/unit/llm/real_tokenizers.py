"""Real vocabularies without a hub: Llama 3 (128,256 tokens) and Mistral v3 (32,768 tokens).

The ``llama-models`` wheel ships Llama 3's tiktoken file, which transformers' ``TikTokenConverter`` turns
into a fast tokenizer; ``mistral-common`` ships Mistral's SentencePiece model, whose pieces and scores make a
byte-fallback BPE. Both packages are in the ``realvocab`` extra; without them the builders raise
ImportError (tests skip).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

VOCABULARIES = ("llama3", "mistral")


def llama3_tokenizer() -> Any:
    import llama_models
    from llama_models.llama3.tokenizer import Tokenizer
    from transformers import PreTrainedTokenizerFast
    from transformers.convert_slow_tokenizer import TikTokenConverter

    path = Path(llama_models.__file__).parent / "llama3" / "tokenizer.model"
    shipped = Tokenizer(path)
    specials = sorted(shipped.special_tokens, key=shipped.special_tokens.__getitem__)
    converted = TikTokenConverter(
        vocab_file=str(path), pattern=shipped.pat_str, extra_special_tokens=specials
    ).converted()
    return PreTrainedTokenizerFast(
        tokenizer_object=converted, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>"
    )


def mistral_tokenizer() -> Any:
    import mistral_common
    import sentencepiece
    from transformers import LlamaTokenizer
    from transformers.tokenization_utils_base import generate_merges

    path = (
        Path(mistral_common.__file__).parent / "data" / "mistral_instruct_tokenizer_240323.model.v3"
    )
    model = sentencepiece.SentencePieceProcessor(model_file=str(path))
    pieces = [model.id_to_piece(i) for i in range(model.get_piece_size())]
    vocab = {piece: i for i, piece in enumerate(pieces)}
    scores = {piece: model.get_score(i) for i, piece in enumerate(pieces)}
    return LlamaTokenizer(
        vocab=vocab,
        merges=generate_merges(vocab, scores),
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        add_prefix_space=False,
    )


def real_tokenizer(name: str) -> Any:
    """The named real tokenizer (``llama3`` or ``mistral``); ImportError if its wheel is absent."""
    return {"llama3": llama3_tokenizer, "mistral": mistral_tokenizer}[name]()


def formulation_examples() -> list[tuple[str, str]]:
    """(file name, compact JSON) of every shipped example Formulation, keys in the schema's order."""
    import json

    import yaml

    from optmodel.modeling.language.ir import Formulation

    examples = Path(__file__).resolve().parents[3] / "examples"
    found = []
    for path in sorted(examples.glob("*")):
        if path.suffix not in (".json", ".yaml"):
            continue
        raw = (
            json.loads(path.read_text())
            if path.suffix == ".json"
            else yaml.safe_load(path.read_text())
        )
        dumped = Formulation.model_validate(raw).model_dump(
            by_alias=True, mode="json", exclude_none=True
        )
        found.append((path.name, json.dumps(dumped, separators=(",", ":"), ensure_ascii=False)))
    return found
