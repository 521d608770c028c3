"""Which LLM to use: provider spec strings, the TOML config file, and ``make_provider``.

Spec strings (the same everywhere: CLI options, ``OPTMODEL_LLM``, the config file)::

    hf:Qwen/Qwen2.5-7B-Instruct              local model by Hub name (extra [hf])
    hf:/path/to/model                        local model directory
    openai:gpt-4o                            api.openai.com (extra [openai]; key in OPENAI_API_KEY)
    openai:qwen2.5@http://localhost:8000/v1  any OpenAI-compatible server (vLLM, Ollama, llama.cpp)
    batch:./dir                              offline batch files (vllm run-batch / OpenAI Batch API)
    recorded:responses.jsonl                 replay recorded responses
    scripted:                                test double (answers given in code)

Resolution, first found wins: the explicit ``spec`` argument, then ``$OPTMODEL_LLM``, then ``spec`` in the
``[llm]`` table of ``$OPTMODEL_CONFIG`` or ``~/.config/optmodel/config.toml``. Nothing configured raises
:class:`optmodel.errors.LLMNotConfiguredError`; there is no silent default model.

Provider options come from the ``[llm]`` table (keys that belong to another kind of provider are ignored),
then an ``[llm.<kind>]`` table, then keyword overrides, later ones winning::

    [llm]
    spec = "openai:qwen2.5@http://localhost:8000/v1"
    concurrency = 16
    [llm.hf]
    batch_size = 32
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optmodel.errors import LLMError, LLMNotConfiguredError
from optmodel.llm.providers.base import LLMProvider

ENV_SPEC = "OPTMODEL_LLM"
ENV_CONFIG = "OPTMODEL_CONFIG"
KINDS = ("hf", "openai", "batch", "recorded", "scripted")
SPEC_FORMS = "hf:MODEL_OR_PATH, openai:MODEL[@BASE_URL], batch:DIR, recorded:FILE.jsonl, scripted:"

# option -> accepted types, per kind of provider
_OPTIONS: dict[str, dict[str, tuple[type, ...]]] = {
    "hf": {
        "device": (str,),
        "device_map": (str, dict),
        "dtype": (str,),
        "batch_size": (int,),
        "max_new_tokens": (int,),
        "ignore_eos": (bool,),
        "trust_remote_code": (bool,),
    },
    "openai": {
        "base_url": (str,),
        "api_key": (str,),
        "api_key_env": (str,),
        "concurrency": (int,),
        "timeout_s": (int, float),
        "max_retries": (int,),
        "backoff_s": (int, float),
        "max_backoff_s": (int, float),
        "structured_output": (bool,),
        "strict_schema": (bool,),
    },
    "batch": {"model": (str,), "structured_output": (bool,), "strict_schema": (bool,)},
    "recorded": {"record_from": (str, object)},
    "scripted": {"rules": (object,)},
}
_GENERAL = {"spec": (str,), "cache": (bool,), "cache_path": (str,)}
_CACHED_BY_DEFAULT = ("hf", "openai")  # batch files and recordings are stores already


@dataclass(frozen=True)
class ProviderSpec:
    """A parsed spec string: the kind of provider, its target (model, path or dir) and a base URL."""

    kind: str
    target: str
    base_url: str | None = None

    def __str__(self) -> str:
        suffix = f"@{self.base_url}" if self.base_url else ""
        return f"{self.kind}:{self.target}{suffix}"


@dataclass(frozen=True)
class LLMSettings:
    """What configuration resolution found, and where the spec came from."""

    spec: ProviderSpec
    source: str
    options: dict[str, Any] = field(default_factory=dict)
    cache: bool | None = None
    cache_path: str | None = None


def parse_spec(spec: str) -> ProviderSpec:
    """Parse ``kind:target[@base_url]``; a malformed spec raises LLMNotConfiguredError listing the forms."""
    kind, sep, target = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "scripted":  # "scripted" alone is fine: it needs no target
        sep = ":"
    if not sep or kind not in KINDS:
        raise LLMNotConfiguredError(f"not an LLM spec: {spec!r}; use one of: {SPEC_FORMS}")
    base_url = None
    if kind == "openai":
        model, at, url = target.rpartition("@")
        if at and url.startswith(("http://", "https://")):
            target, base_url = model, url
    if not target and kind != "scripted":
        raise LLMNotConfiguredError(
            f"the LLM spec {spec!r} names no {kind} target; use: {SPEC_FORMS}"
        )
    return ProviderSpec(kind=kind, target=target, base_url=base_url)


def config_path() -> Path:
    """``$OPTMODEL_CONFIG``, else ``$XDG_CONFIG_HOME/optmodel/config.toml`` (default ``~/.config``)."""
    explicit = os.environ.get(ENV_CONFIG)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "optmodel" / "config.toml"


def load_llm_table(path: Path | None = None, *, required: bool = True) -> dict[str, Any]:
    """The ``[llm]`` table of the config file ({} if there is no file).

    A ``$OPTMODEL_CONFIG`` that names a missing file is an error only when the file is ``required``, i.e. when
    no spec was given any other way.
    """
    path = path if path is not None else config_path()
    if not path.is_file():
        if required and os.environ.get(ENV_CONFIG) and path == config_path():
            raise LLMNotConfiguredError(
                f"${ENV_CONFIG} points at {path}, which does not exist.\n{not_configured_message()}"
            )
        return {}
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError as exc:
            raise LLMError(
                "reading the config file on Python 3.10 needs: pip install tomli"
            ) from exc
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LLMNotConfiguredError(f"the config file {path} is not valid TOML: {exc}") from exc
    table = data.get("llm", {})
    if not isinstance(table, dict):
        raise LLMNotConfiguredError(f"{path}: [llm] must be a table")
    return table


def resolve(spec: str | None = None, *, config_file: Path | None = None) -> LLMSettings:
    """Find the spec (argument > $OPTMODEL_LLM > config file) and the options that apply to it."""
    table = load_llm_table(config_file, required=not (spec or os.environ.get(ENV_SPEC)))
    where = str(config_file or config_path())
    if spec:
        text, source = spec, "argument"
    elif os.environ.get(ENV_SPEC):
        text, source = os.environ[ENV_SPEC], f"${ENV_SPEC}"
    elif table.get("spec"):
        text, source = str(table["spec"]), f"config file {where}"
    else:
        raise LLMNotConfiguredError(not_configured_message())
    parsed = parse_spec(text)
    options = _options_for(parsed.kind, table, where)
    return LLMSettings(
        spec=parsed,
        source=source,
        options=options,
        cache=table.get("cache"),
        cache_path=table.get("cache_path"),
    )


def make_provider(
    spec: str | None = None,
    *,
    cache: bool | None = None,
    cache_path: str | Path | None = None,
    **overrides: Any,
) -> LLMProvider:
    """Build the configured provider; ``overrides`` (provider options) win over the config file.

    Local-model and HTTP providers are wrapped in a :class:`optmodel.llm.cache.CachedProvider` unless
    ``cache=False`` or the config says ``cache = false``. The cache lives at ``cache_path``, else the
    config's ``cache_path``, else the per-user default (:func:`optmodel.llm.cache.default_cache_path`).

    >>> make_provider("scripted:").name
    'scripted'
    """
    settings = resolve(spec)
    kind = settings.spec.kind
    options = {**settings.options, **overrides}
    _check_types(kind, options, "make_provider() arguments")
    provider = _build(settings.spec, options)
    use_cache = cache if cache is not None else settings.cache
    if use_cache is None:
        use_cache = kind in _CACHED_BY_DEFAULT
    if not use_cache:
        return provider
    from optmodel.llm.cache import CachedProvider, ResponseCache

    return CachedProvider(provider, ResponseCache(cache_path or settings.cache_path))


def not_configured_message() -> str:
    """What to tell a user who has configured no LLM: every way to do it, with examples."""
    return "\n".join(
        [
            "No LLM is configured. Choose one in any of these ways (the first one found wins):",
            "  1. pass a spec explicitly, e.g. the --llm option of the CLI, or in Python:",
            '       make_provider("openai:gpt-4o")',
            f"  2. set the environment variable {ENV_SPEC}:",
            f"       export {ENV_SPEC}=hf:Qwen/Qwen2.5-7B-Instruct",
            f"  3. write the config file {config_path()} (or point ${ENV_CONFIG} at one):",
            "       [llm]",
            '       spec = "openai:qwen2.5@http://localhost:8000/v1"',
            f"Spec forms: {SPEC_FORMS}.",
        ]
    )


def _options_for(kind: str, table: dict[str, Any], where: str) -> dict[str, Any]:
    known = set(_GENERAL) | {o for opts in _OPTIONS.values() for o in opts} | set(KINDS)
    unknown = sorted(k for k in table if k not in known)
    if unknown:
        raise LLMNotConfiguredError(
            f"{where}: unknown key(s) in [llm]: {', '.join(unknown)}. Known keys: "
            f"{', '.join(sorted(known - set(KINDS)))}, and [llm.<kind>] tables for {', '.join(KINDS)}"
        )
    for key, types in _GENERAL.items():
        if key in table and not isinstance(table[key], types):
            raise LLMNotConfiguredError(f"{where}: [llm] {key} must be {types[0].__name__}")
    for other in KINDS:  # typos in any [llm.<kind>] table are errors, not just in the active one
        section = table.get(other, {})
        if not isinstance(section, dict):
            raise LLMNotConfiguredError(f"{where}: [llm.{other}] must be a table")
        stray = sorted(k for k in section if k not in _OPTIONS[other])
        if stray:
            raise LLMNotConfiguredError(
                f"{where}: [llm.{other}] has unknown key(s) {', '.join(stray)}; "
                f"{other} accepts: {', '.join(_OPTIONS[other])}"
            )
    options = {k: v for k, v in table.items() if k in _OPTIONS[kind]}
    section = table.get(kind, {})
    options.update(section)
    _check_types(kind, options, where)
    return options


def _check_types(kind: str, options: dict[str, Any], where: str) -> None:
    accepted = _OPTIONS[kind]
    for key, value in options.items():
        if key not in accepted:
            raise LLMNotConfiguredError(
                f"{where}: {kind} providers take no option {key!r}; they accept: {', '.join(accepted)}"
            )
        types = accepted[key]
        # bool is an int in Python; an int option must not silently accept true/false.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join(t.__name__ for t in types)
            raise LLMNotConfiguredError(f"{where}: option {key!r} must be {names}, got {value!r}")


def _build(spec: ProviderSpec, options: dict[str, Any]) -> LLMProvider:
    if spec.kind == "hf":
        from optmodel.llm.providers.transformers import TransformersProvider

        return TransformersProvider(spec.target, **options)
    if spec.kind == "openai":
        from optmodel.llm.providers.openai_compat import OpenAICompatProvider

        if spec.base_url:
            options = {**options, "base_url": spec.base_url}
        return OpenAICompatProvider(spec.target, **options)
    if spec.kind == "batch":
        from optmodel.llm.providers.batch import BatchFileProvider

        return BatchFileProvider(spec.target, **options)
    if spec.kind == "recorded":
        from optmodel.llm.providers.recorded import RecordedProvider

        inner = options.get("record_from")
        if isinstance(inner, str):
            inner = make_provider(inner, cache=False)
        return RecordedProvider(spec.target, record_from=inner)
    from optmodel.llm.providers.scripted import ScriptedProvider

    return ScriptedProvider(options.get("rules"), model=spec.target or "scripted")
