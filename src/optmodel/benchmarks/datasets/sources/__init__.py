"""Converters from each upstream source format to normalized records, looked up by the registry's ``format``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from optmodel.benchmarks.datasets.sources.common import (
    Converter,
    Record,
    SourceNotFoundError,
    SourceReader,
    parse_answer,
)
from optmodel.benchmarks.datasets.sources.directories import convert_llm4or_dirs
from optmodel.benchmarks.datasets.sources.mamo import convert_mamo_original, convert_sirl_mamo
from optmodel.benchmarks.datasets.sources.nl4opt_competition import convert_nl4opt_competition
from optmodel.benchmarks.datasets.sources.orthought import (
    convert_orthought_dirs,
    convert_orthought_summary,
)
from optmodel.benchmarks.datasets.sources.question_answer import (
    convert_llmopt_jsonl,
    convert_optmath_json,
)
from optmodel.benchmarks.datasets.sources.resocratic import choose_answer_key, convert_resocratic

CONVERTERS: Mapping[str, Converter] = MappingProxyType(
    {
        "resocratic-json": convert_resocratic,
        "sirl-mamo-jsonl": convert_sirl_mamo,
        "mamo-jsonl": convert_mamo_original,
        "optmath-json": convert_optmath_json,
        "llmopt-jsonl": convert_llmopt_jsonl,
        "orthought-dirs": convert_orthought_dirs,
        "orthought-summary": convert_orthought_summary,
        "llm4or-dirs": convert_llm4or_dirs,
        "nl4opt-competition-jsonl": convert_nl4opt_competition,
    }
)

__all__ = [
    "CONVERTERS",
    "Converter",
    "Record",
    "SourceNotFoundError",
    "SourceReader",
    "choose_answer_key",
    "parse_answer",
]
