"""Spec strings, where the configuration comes from, and the message when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from optmodel.errors import LLMNotConfiguredError
from optmodel.llm.cache import CachedProvider
from optmodel.llm.config import ProviderSpec, config_path, make_provider, parse_spec, resolve
from optmodel.llm.providers.batch import BatchFileProvider
from optmodel.llm.providers.scripted import ScriptedProvider


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("hf:Qwen/Qwen2.5-7B-Instruct", ProviderSpec("hf", "Qwen/Qwen2.5-7B-Instruct")),
        ("hf:/models/my model", ProviderSpec("hf", "/models/my model")),
        ("openai:gpt-4o", ProviderSpec("openai", "gpt-4o")),
        (
            "openai:qwen2.5@http://localhost:8000/v1",
            ProviderSpec("openai", "qwen2.5", "http://localhost:8000/v1"),
        ),
        (
            "openai:org/model@v2@https://host/v1",
            ProviderSpec("openai", "org/model@v2", "https://host/v1"),
        ),
        ("batch:./dir", ProviderSpec("batch", "./dir")),
        (
            "recorded:examples/nl/responses.jsonl",
            ProviderSpec("recorded", "examples/nl/responses.jsonl"),
        ),
        ("scripted:", ProviderSpec("scripted", "")),
        ("scripted", ProviderSpec("scripted", "")),
    ],
)
def test_spec_strings_parse(spec: str, expected: ProviderSpec) -> None:
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec", ["gpt-4o", "anthropic:claude", "hf:", "openai:"])
def test_bad_specs_list_the_valid_forms(spec: str) -> None:
    with pytest.raises(LLMNotConfiguredError, match=r"openai:MODEL\[@BASE_URL\]"):
        parse_spec(spec)


def write_config(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "optmodel.toml"
    path.write_text(text)
    monkeypatch.setenv("OPTMODEL_CONFIG", str(path))
    return path


def test_precedence_argument_then_environment_then_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, '[llm]\nspec = "batch:from-file"\n', monkeypatch)
    assert resolve().spec == ProviderSpec("batch", "from-file")
    assert resolve().source.startswith("config file")
    monkeypatch.setenv("OPTMODEL_LLM", "batch:from-env")
    assert resolve().spec.target == "from-env" and resolve().source == "$OPTMODEL_LLM"
    assert resolve("batch:from-arg").spec.target == "from-arg"


def test_default_config_file_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert config_path() == tmp_path / "cfg" / "optmodel" / "config.toml"
    config_path().parent.mkdir(parents=True)
    config_path().write_text('[llm]\nspec = "scripted:"\n')
    assert resolve().spec.kind == "scripted"


def test_nothing_configured_says_all_three_ways() -> None:
    with pytest.raises(LLMNotConfiguredError) as caught:
        make_provider()
    message = str(caught.value)
    assert 'make_provider("openai:gpt-4o")' in message and "--llm" in message
    assert "export OPTMODEL_LLM=hf:Qwen/Qwen2.5-7B-Instruct" in message
    assert "[llm]" in message and 'spec = "openai:qwen2.5@http://localhost:8000/v1"' in message
    assert "config.toml" in message and "OPTMODEL_CONFIG" in message


def test_file_options_apply_to_their_kind_and_overrides_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(
        tmp_path,
        '[llm]\nspec = "batch:out"\nbatch_size = 16\nconcurrency = 4\n'
        '[llm.batch]\nmodel = "from-table"\nstructured_output = false\n',
        monkeypatch,
    )
    settings = resolve()
    assert settings.options == {
        "model": "from-table",
        "structured_output": False,
    }  # hf/openai keys skipped
    provider = make_provider(model="from-override")
    assert isinstance(provider, BatchFileProvider)
    assert provider.model == "from-override" and provider.structured_output is False


def test_openai_spec_url_and_file_options_reach_the_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("openai")
    write_config(tmp_path, "[llm]\nconcurrency = 3\nmax_retries = 1\n", monkeypatch)
    provider = make_provider("openai:qwen@http://127.0.0.1:9/v1", cache=False)
    assert provider.base_url == "http://127.0.0.1:9/v1"  # type: ignore[attr-defined]
    assert (provider.concurrency, provider.max_retries) == (3, 1)  # type: ignore[attr-defined]
    cached = make_provider("openai:qwen@http://127.0.0.1:9/v1", cache_path=tmp_path / "c.sqlite3")
    assert isinstance(cached, CachedProvider) and cached.name == "openai"
    assert cached.cache.path == tmp_path / "c.sqlite3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[llm]\nspec = "scripted:"\nbatchsize = 4\n', "unknown key"),
        ('[llm]\nspec = "scripted:"\n[llm.hf]\nbatch = 4\n', "unknown key"),
        ('[llm]\nspec = "hf:x"\nbatch_size = "8"\n', "must be int"),
        ('[llm]\nspec = "hf:x"\nbatch_size = true\n', "must be int"),
        ("[llm\nspec=", "not valid TOML"),
    ],
)
def test_config_mistakes_are_reported_not_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    write_config(tmp_path, text, monkeypatch)
    with pytest.raises(LLMNotConfiguredError, match=expected):
        make_provider()


def test_config_variable_pointing_nowhere_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPTMODEL_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(LLMNotConfiguredError, match="does not exist"):
        make_provider()


def test_scripted_and_batch_are_not_cached_by_default(tmp_path: Path) -> None:
    assert isinstance(make_provider("scripted:"), ScriptedProvider)
    assert isinstance(make_provider(f"batch:{tmp_path}"), BatchFileProvider)
