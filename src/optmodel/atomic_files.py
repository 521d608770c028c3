"""Files other programs read are replaced whole: written to a temp file in the same folder, flushed, renamed.

A reader (another process, a dashboard, ``tail``) then sees the old file or the new one, never an empty
or half-written one, and a kill mid-write leaves the old file in place. The rename is atomic because
the temp file is in the same folder (the same file system). Append-only logs such as a run's
``results.jsonl`` do not use this: they append and fsync, which is how a killed run resumes.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, suffix: str = "") -> Iterator[Path]:
    """Yield a temp path beside ``path`` to write; when the block ends, it replaces ``path``.

    The temp name is hidden (leading dot) and ends in ``.tmp`` plus ``suffix``: pass a suffix for
    writers that pick the format from the name (matplotlib, HiGHS), and none otherwise, so that a
    folder scan for ``*.jsonl`` never picks up a file still being written. If the block raises,
    ``path`` is untouched and the temp file removed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=f".tmp{suffix}"
    )
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        # mkstemp makes the file 0600; give the result the permissions a plain open() would.
        os.chmod(temp, 0o666 & ~_UMASK)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def write_atomically(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Replace ``path`` with ``data`` (str is written as UTF-8) so readers never see a partial file."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_output(path) as temp:
        temp.write_bytes(payload)


def _current_umask() -> int:
    # Reading the umask means setting it; done once at import, before any writer threads run.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
