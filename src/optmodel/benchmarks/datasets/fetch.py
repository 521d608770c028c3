"""Download a registered dataset from its public source, normalize it, verify it, write it atomically.

Only the standard library is used (``urllib``), with timeouts and a few retries on transient errors.
Nothing is written unless the converted records match the registry's checksums.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from optmodel import __version__
from optmodel.atomic_files import write_atomically
from optmodel.benchmarks.datasets.integrity import content_digest, serialize_records, verify_file
from optmodel.benchmarks.datasets.loader import DatasetStatus, dataset_status, resolve_data_dir
from optmodel.benchmarks.datasets.registry import DatasetSpec, get_spec
from optmodel.benchmarks.datasets.sources import CONVERTERS, SourceNotFoundError
from optmodel.errors import DatasetError

DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
# A mirror with the same <repo>/<commit>/<path> layout (behind a proxy, or an internal mirror).
BASE_URL_ENV = "OPTMODEL_DATASETS_BASE_URL"
_TRANSIENT_HTTP = frozenset({429, 500, 502, 503, 504})


class HttpSourceReader:
    """Reads ``<base_url>/<repo>/<commit>/<path>`` over HTTP(S), with timeouts and retries."""

    def __init__(
        self,
        spec: DatasetSpec,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 30.0,
        retries: int = 2,
        workers: int = 8,
        manual_hint: str = "",
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        if retries < 0 or workers < 1:
            raise ValueError("retries must be >= 0 and workers >= 1")
        self._prefix = f"{base_url.rstrip('/')}/{spec.source.repo}/{spec.source.commit}/"
        self._timeout = timeout
        self._retries = retries
        self._workers = workers
        self._manual_hint = manual_hint

    def url(self, path: str) -> str:
        """The download URL of one source path."""
        return self._prefix + urllib.parse.quote(path)

    def read(self, path: str) -> bytes:
        """Download one file; 404 raises :class:`SourceNotFoundError`, other failures DatasetError."""
        url = self.url(path)
        request = urllib.request.Request(url, headers={"User-Agent": f"optmodel/{__version__}"})
        for attempt in range(self._retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self._timeout) as response:
                    data: bytes = response.read()
                    return data
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    raise SourceNotFoundError(f"{url} does not exist (HTTP 404)") from exc
                if exc.code not in _TRANSIENT_HTTP or attempt == self._retries:
                    raise DatasetError(
                        f"downloading {url} failed: the server answered HTTP {exc.code} {exc.reason}"
                    ) from exc
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                if attempt == self._retries:
                    reason = getattr(exc, "reason", exc)
                    raise DatasetError(
                        f"could not download {url} ({reason}). No network? {self._manual_hint}"
                    ) from exc
            time.sleep(0.5 * (attempt + 1))  # brief back-off before retrying a transient failure
        raise AssertionError("unreachable")  # pragma: no cover

    def read_many(self, paths: Sequence[str], *, optional: bool = False) -> list[bytes | None]:
        """Download several files concurrently; with ``optional``, a 404 gives None."""

        def one(path: str) -> bytes | None:
            try:
                return self.read(path)
            except SourceNotFoundError:
                if optional:
                    return None
                raise

        if len(paths) <= 1:
            return [one(path) for path in paths]
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            return list(pool.map(one, paths))


def fetch_dataset(
    name: str | DatasetSpec,
    data_dir: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
    *,
    force: bool = False,
    timeout: float = 30.0,
    retries: int = 2,
    workers: int = 8,
) -> DatasetStatus:
    """Download dataset ``name`` from its pinned public source into ``data_dir`` and verify it.

    ``name`` is a registered name, or a :class:`DatasetSpec` (e.g. a variant of a registry entry).

    The source files are read from ``<base_url>/<repo>/<commit>/<path>`` (``base_url`` defaults to
    ``$OPTMODEL_DATASETS_BASE_URL``, else :data:`DEFAULT_BASE_URL`), converted to the normalized
    JSONL schema and checked against the registry (record count and content checksum, see
    :mod:`optmodel.benchmarks.datasets.integrity`). Only then is the file written, atomically (temp
    file + rename). A file already present and verified is kept unless ``force``.

    Raises :class:`DatasetError` on network failure (with how to install the files by hand), on a
    source in an unexpected format, or on a checksum mismatch (nothing is written). ``workers``
    downloads run in parallel for sources with one directory per problem (hundreds of small files).
    """
    spec = name if isinstance(name, DatasetSpec) else get_spec(name)
    root = resolve_data_dir(data_dir)
    target = root / spec.file
    if not force and verify_file(target, spec).ok:
        return dataset_status(spec, root)
    converter = CONVERTERS.get(spec.format)
    if converter is None:
        raise DatasetError(
            f"registry entry {spec.name!r} names an unknown source format {spec.format!r}"
        )
    hint = (
        f"Copy the normalized file {spec.file} into {root} by hand (from a machine with access, "
        f"or from the published normalized datasets), or download "
        f"{', '.join(spec.source.paths)} from https://github.com/{spec.source.repo} "
        f"at commit {spec.source.commit}."
    )
    base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    reader = HttpSourceReader(
        spec, base_url, timeout=timeout, retries=retries, workers=workers, manual_hint=hint
    )
    try:
        records = converter(spec, reader)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # A source shaped differently from what the converter knows: say so, not a deep traceback.
        raise DatasetError(
            f"{spec.name}: could not convert the source files as {spec.format!r} "
            f"({type(exc).__name__}: {exc}); nothing was written"
        ) from exc
    _check(spec, records)
    write_atomically(target, serialize_records(records))
    return dataset_status(spec, root)


def _check(spec: DatasetSpec, records: list[dict[str, object]]) -> None:
    if len(records) != spec.count:
        raise DatasetError(
            f"{spec.name}: the source converted to {len(records)} records, the registry expects "
            f"{spec.count}; nothing was written (the source at {spec.source.commit[:12]} differs "
            "from what the registry pins)"
        )
    digest = content_digest(records, spec.content_fields)
    if digest != spec.content_sha256:
        raise DatasetError(
            f"{spec.name}: checksum mismatch: the converted content has sha256 {digest}, the registry "
            f"expects {spec.content_sha256}; nothing was written"
        )


__all__ = ["BASE_URL_ENV", "DEFAULT_BASE_URL", "HttpSourceReader", "fetch_dataset"]
