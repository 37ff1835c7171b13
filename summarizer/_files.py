"""Files the library writes for the command line, never through a link planted at the path.

A folder the output goes to may be shared: another account can leave a symbolic link
where a file is about to be written (``tables/quotes.csv -> ~victim/notes.txt``), and
``open(path, "w")`` would write through it. So:

- a whole file (a report, a corpus page, an export table, a rewritten results file) is
  written to a new temporary file in the same folder (created exclusively, never a link)
  and moved over the path with :func:`os.replace`, which replaces a link there by the
  new regular file and leaves the link's target untouched (:func:`replacing`);
- the results file a batch appends to (it must keep its lines: it is how a batch resumes)
  is opened with ``O_NOFOLLOW``: a link there is refused, and anything that is not a
  regular file (a FIFO would block the open or the read) too (:func:`open_regular`).

A reader never blocks on a FIFO either: :func:`open_regular` opens without blocking and
checks the file type before any read.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO, cast

from summarizer.errors import InputError

__all__ = ["open_regular", "replacing", "replacing_text", "write_replacing"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "a special file"


def open_regular(path: str | os.PathLike[str], flags: int, *, follow: bool = False) -> int:
    """A descriptor of the regular file at ``path``, opened without blocking on a FIFO.

    Args:
        path: The file.
        flags: ``os.O_RDONLY``, ``os.O_WRONLY | os.O_APPEND | os.O_CREAT``, ...
        follow: Follow a symbolic link at the path (a reader whose caller has checked
            where the link goes); by default a link there is refused.

    Raises:
        InputError: The path is a link (unless ``follow``) or not a regular file.
        OSError: The file cannot be opened (missing, no permission, ...).
    """
    name = os.fspath(path)
    try:
        fd = os.open(name, flags | _NONBLOCK | (0 if follow else _NOFOLLOW), 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise InputError(
                f"{name} is a symbolic link: not followed (give the file's own path)"
            ) from exc
        if exc.errno == errno.ENXIO:  # a FIFO without a reader (or a device without its device)
            raise InputError(f"{name} is not a regular file") from exc
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"{name} is {_kind(mode)}, not a regular file")
        if _NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _temporary(path: Path) -> tuple[Path, int]:
    """A new file beside ``path``, created exclusively (never an existing file or link)."""
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_BINARY", 0)
            return temporary, os.open(temporary, flags, 0o666)  # the umask applies, as for open()
        except FileExistsError:
            continue


@contextmanager
def _replacing(
    path: Path, mode: str, newline: str | None, errors: str = "strict"
) -> Iterator[IO[Any]]:
    temporary, fd = _temporary(path)
    try:
        if "b" in mode:
            handle: IO[Any] = os.fdopen(fd, mode)
        else:
            handle = os.fdopen(fd, mode, encoding="utf-8", newline=newline, errors=errors)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    try:
        with handle:
            yield handle
        os.replace(temporary, path)  # replaces a link at ``path`` itself, not its target
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary handle whose contents become the file at ``path`` when the block ends.

    Nothing is written through a link at ``path``: the link is replaced by the new file.
    An error inside the block leaves ``path`` as it was.

    Raises:
        OSError: The folder cannot be written.
    """
    with _replacing(Path(path), "wb", None) as handle:
        yield cast(BinaryIO, handle)


@contextmanager
def replacing_text(
    path: str | os.PathLike[str], *, newline: str | None = None, errors: str = "strict"
) -> Iterator[TextIO]:
    """The same as :func:`replacing`, as UTF-8 text (``newline``, ``errors``: see :func:`open`)."""
    with _replacing(Path(path), "w", newline, errors) as handle:
        yield cast(TextIO, handle)


def write_replacing(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) as the file at ``path`` (see :func:`replacing`).

    Raises:
        OSError: The folder cannot be written.
    """
    with replacing(path) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
