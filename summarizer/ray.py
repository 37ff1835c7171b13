"""Ray Data as the engine for more than one process or machine (the ``ray`` extra).

    pip install "summarizer[ray]"

    import summarizer.ray
    summarizer.ray.init()                      # a local cluster, offline; or init(address=...)
    out = summarizer.ray.summarize_dataset(ds, model="gpt-4.1-mini", concurrency=16, rpm=500)

:func:`summarize_dataset` takes a Dataset with ``id`` and ``text`` columns (optional
``published``, ``source``, ``url``) and returns one with one row per input row: ``id``,
``status`` (``ok``/``error``), ``summary`` (the :class:`~summarizer.ArticleSummary` as JSON,
``meta`` included), ``error`` (JSON: type, message, attempts, status code, kind), ``seconds``,
``source`` and ``url``. The semantics are the in-process batch's (:mod:`summarizer._runs._batch`):
every row is summarised by a :class:`~summarizer.Summarizer` with the same settings, a
failure is a row (never an exception that stops the dataset: Ray does not retry those), and
the cache is honoured by the workers themselves, so what a worker paid for is kept even if
the run is killed before the row reaches the driver.

**Limits across the workers.** ``concurrency`` is split evenly: each of ``workers`` actors
holds at most ``concurrency // workers`` HTTP requests in flight (``workers`` is lowered to
``concurrency`` when larger), so the run never has more than ``concurrency`` in flight, and
a killed worker cannot leak a slot. ``rpm``/``tpm`` are shared: one coordinating actor paces
every request of every worker (a call to it per request, about 1 ms) and also carries the
429 gate, so one ``Retry-After`` holds back the whole cluster. Without ``rpm``/``tpm`` there
is no coordinator and each worker has its own 429 gate.

**Failures of the machinery.** Ray restarts a killed worker and reruns the batches it held
(actors restart without limit), so every input row still gives exactly one output row. The
command line (``summarizer batch --engine ray``) appends each row to the results file as it
reaches the driver, so a killed run resumes where it stopped.

**Offline local cluster.** :func:`init` without an address starts a local cluster bound to
127.0.0.1 that never reaches the network: Ray otherwise finds its IP by connecting towards
8.8.8.8 and, for usage statistics, probes the cloud metadata address. It lives in a private
temporary home (0700, removed by :func:`shutdown`): Ray's session folder (logs, sockets)
included, which Ray would otherwise make world-readable under ``/tmp/ray``.

**Authentication.** Ray's token authentication is never weakened. The local cluster runs
with it: with the user's ``RAY_AUTH_MODE`` and token (``RAY_AUTH_TOKEN``,
``RAY_AUTH_TOKEN_PATH`` or ``~/.ray/auth_token``) when set, never overridden; otherwise in
mode ``token`` with a fresh token in the private home (``.ray/auth_token``, 0600), so no
other local account can join it and run code as the user. With an ``address``, :func:`init`
joins with the user's own settings: a cluster started with ``ray start --head`` (token
authentication by default since Ray 2.60) needs ``RAY_AUTH_MODE=token`` and its token, and
the error says so.

**The API key.** The workers need the key, so a cluster receives it: a remote one must be
trusted. It reaches them through Ray's object store (:class:`_KeyHandle`), not inside the
pickled :class:`~summarizer.Settings` that Ray keeps to restart actors, and not as a
runtime environment variable, which Ray's runtime-env agent writes to its log.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import secrets
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Unpack

from summarizer._cache import ResultCache
from summarizer._limits import LocalPacing, RateGate, RequestLimits
from summarizer._pipeline import check_schema
from summarizer._prompts import Prompt, PromptSource, resolve_prompt
from summarizer._runs._batch import Article, BatchResult, _arun_one, check_limits
from summarizer._runs._results import ResultRecord
from summarizer._settings import SETTING_NAMES, Settings, SettingsOptions, check_option_names
from summarizer._summarizer import Summarizer
from summarizer.errors import ConfigurationError, SummarizerError
from summarizer.schema import ArticleSummary

__all__ = [
    "COLUMNS",
    "DatasetOptions",
    "SharedPacing",
    "dataset_of",
    "init",
    "quiet",
    "records",
    "shutdown",
    "summarize_dataset",
]

logger = logging.getLogger("summarizer")

COLUMNS = ("id", "status", "summary", "error", "seconds", "source", "url")
"""The columns of :func:`summarize_dataset`'s output, in order."""

_INSTALL = 'the Ray engine needs the ray extra: pip install "summarizer[ray]"'

_OFFLINE_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",  # no usage report (and no cloud metadata probe)
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # node IP 127.0.0.1, not found via 8.8.8.8
}

# Ray's own deprecation notices on the first DataContext, none about this library's calls.
_RAY_DEPRECATIONS = (
    "`use_push_based_shuffle` is deprecated",
    "`use_polars` is deprecated",
    "`use_arrow_tensor_v2` is deprecated",
)


def _ray() -> Any:
    """The ``ray`` module, with ``ray.data`` loaded.

    Raises:
        ConfigurationError: The ``ray`` extra is not installed.
    """
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ConfigurationError(f"{_INSTALL} ({exc})") from exc
    with warnings.catch_warnings():
        for message in _RAY_DEPRECATIONS:
            warnings.filterwarnings("ignore", message=message, category=DeprecationWarning)
        context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    return ray


_local_home: Path | None = None
"""The temporary home of the local cluster :func:`init` started, if any."""

_AUTH_MODE = "RAY_AUTH_MODE"
_TOKEN_SOURCES = ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")
_TOKEN_FILE = Path(".ray") / "auth_token"
"""Where Ray looks for its token when neither variable names one, under ``HOME``."""

# The session folder must leave room for Ray's socket paths (108 bytes on Linux, 104 on macOS).
_SESSION_ROOM = 100 - len("/session_2025-01-31_12-00-00_000000_0000000/sockets/plasma_store")

_TOKEN_HINT = (
    "set RAY_AUTH_MODE=token and give the cluster's token as RAY_AUTH_TOKEN=<token>, or in a "
    "file named by RAY_AUTH_TOKEN_PATH (default ~/.ray/auth_token); `ray get-auth-token` on "
    "the head node prints it"
)


def init(address: str | None = None, *, num_cpus: int | None = None) -> None:
    """Connect to a Ray cluster, or start a local one that stays off the network.

    Ray's token authentication is never weakened. The local cluster runs with it (unless
    ``RAY_AUTH_MODE`` says otherwise), with the token the user gave (``RAY_AUTH_TOKEN``,
    ``RAY_AUTH_TOKEN_PATH`` or ``~/.ray/auth_token``) or a fresh one in its private home.

    Args:
        address: An existing cluster (``"ray://host:10001"``, ``"host:6379"`` or
            ``"auto"``); None starts a local cluster on 127.0.0.1.
        num_cpus: CPUs of the local cluster (default: the machine's).

    Raises:
        ConfigurationError: The ``ray`` extra is not installed, or the cluster at
            ``address`` cannot be joined (its token missing or wrong, or no cluster there).
    """
    if address is not None:
        _connect(address)
        return
    global _local_home
    home = Path(tempfile.mkdtemp(prefix="summarizer-ray-"))
    # Ray's usage module probes the cloud metadata address unless it finds this file.
    (home / "ray_bootstrap_config.yaml").write_text("{}\n", encoding="utf-8")
    changes = {**_OFFLINE_ENV, **_auth_env(home, os.environ), "HOME": str(home)}
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)  # read by Ray at import and by the processes it starts now
    try:
        ray = _ray()
        # Read once, at Ray's import: when Ray was imported before, say it here too.
        ray._private.ray_constants.ENABLE_RAY_CLUSTER = False
        _refresh_auth(ray)
        ray.init(
            num_cpus=num_cpus,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
            _temp_dir=_session_dir(home),
        )
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    else:
        _local_home = home  # removed by shutdown()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _auth_env(home: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The authentication the local cluster starts with: the user's, else a token of its own.

    A ``RAY_AUTH_MODE`` the user set is kept as it is (``disabled`` too, with a warning);
    otherwise the mode is ``token``. The token is the user's when they have one (the
    variables, or ``~/.ray/auth_token``, which is named explicitly as ``HOME`` moves);
    otherwise a new one, written to ``home/.ray/auth_token`` (0600, in the 0700 home).
    """
    mode = environ.get(_AUTH_MODE)
    changes = {} if mode is not None else {_AUTH_MODE: "token"}
    if mode is not None and mode.lower() != "token":
        logger.warning("%s=%s: the local Ray cluster runs without authentication", _AUTH_MODE, mode)
        return changes
    if any(environ.get(name) for name in _TOKEN_SOURCES):
        return changes
    users = Path.home() / _TOKEN_FILE
    if users.is_file():
        return {**changes, "RAY_AUTH_TOKEN_PATH": str(users)}
    token = home / _TOKEN_FILE
    token.parent.mkdir(mode=0o700)
    descriptor = os.open(token, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(32))
    return changes


def _session_dir(home: Path) -> str | None:
    """Ray's session folder (logs, sockets, spilled objects) inside the private home.

    Ray makes its own world-readable; None (Ray's default) when the home's path is too
    long for the socket paths Ray puts under it.
    """
    folder = home / "r"
    return str(folder) if len(str(folder).encode()) <= _SESSION_ROOM else None


def _refresh_auth(ray: Any) -> None:
    """Make this process read ``RAY_AUTH_*`` again (Ray reads them once and caches the token)."""
    ray._raylet.Config.initialize("")
    ray._raylet.AuthenticationTokenLoader.instance().reset_cache()


def _connect(address: str) -> None:
    """Join the cluster at ``address`` with the user's own ``RAY_AUTH_*`` settings.

    Raises:
        ConfigurationError: The cluster refused the client's token, or cannot be reached.
    """
    ray = _ray()
    _refresh_auth(ray)
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, ray.exceptions.AuthenticationError) as exc:
        if _refused(exc, ray.exceptions.AuthenticationError):
            raise ConfigurationError(
                f"the Ray cluster at {address} refused this client: it uses token "
                f"authentication, so {_TOKEN_HINT}"
            ) from exc
        hint = ""
        if os.environ.get(_AUTH_MODE, "").lower() != "token":
            hint = f" (if it uses token authentication: {_TOKEN_HINT})"
        raise ConfigurationError(f"cannot join the Ray cluster at {address}: {exc}{hint}") from exc


def _refused(exc: BaseException, authentication_error: type[BaseException]) -> bool:
    """True when ``exc`` or an error behind it is Ray's authentication refusal."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, authentication_error):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def quiet() -> None:
    """Keep Ray Data's own progress lines off the terminal (the command line draws its own)."""
    ray = _ray()
    ray.data.DataContext.get_current().print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)


def shutdown() -> None:
    """Disconnect from the cluster (and stop it, if :func:`init` started it)."""
    global _local_home
    ray = _ray()
    ray.shutdown()
    _refresh_auth(ray)  # back to the user's own RAY_AUTH_* (init restored the environment)
    if _local_home is not None:
        shutil.rmtree(_local_home, ignore_errors=True)
        _local_home = None


class _Coordinator:
    """The one pacing of a run, for all its workers: rpm, tpm and the 429 gate."""

    def __init__(self, rpm: int | None, tpm: int | None) -> None:
        self.pacing = LocalPacing(rpm, tpm)

    def hold(self, seconds: float) -> None:
        self.pacing.hold(seconds)

    async def turn(self, tokens: int) -> None:
        """Return when a request of ``tokens`` may be sent (the 429 gate, then the pacing)."""
        await asyncio.sleep(self.pacing.held())
        await self.pacing.await_turn(tokens)


class SharedPacing:
    """A worker's view of the run's :class:`_Coordinator` (a :class:`~summarizer._limits.Pacing`).

    A 429 is told to the coordinator (and held locally at once); every request asks the
    coordinator for its turn, which comes after the gate and the pacing of the whole run.
    """

    def __init__(self, coordinator: Any, counts_tokens: bool) -> None:
        self.coordinator = coordinator
        self._counts_tokens = counts_tokens
        self._gate = RateGate()

    @property
    def counts_tokens(self) -> bool:
        """True when the run has a token budget."""
        return self._counts_tokens

    def hold(self, seconds: float) -> None:
        """Hold back this worker now and every worker from its next request."""
        self._gate.hold(seconds)
        self.coordinator.hold.remote(seconds)

    def held(self) -> float:
        """Seconds this worker knows the gate to be closed."""
        return self._gate.delay()

    def wait(self, tokens: int) -> None:
        """Block until the coordinator gives this request its turn."""
        _ray().get(self.coordinator.turn.remote(tokens))

    async def await_turn(self, tokens: int) -> None:
        """Wait, without blocking the event loop, for this request's turn."""
        await self.coordinator.turn.remote(tokens)


class _KeyHandle:
    """The API key as the workers receive it: a reference into the cluster's object store.

    What Ray pickles for the actors (and keeps in the cluster's control store to restart
    them) holds only the reference. Not a runtime environment variable: Ray's runtime-env
    agent writes those, values included, to its log on every node.
    """

    def __init__(self, ray: Any, key: str) -> None:
        self._ref = ray.put(key)

    def reveal(self) -> str:
        """The key, fetched from the object store (on a worker)."""
        key: str = _ray().get(self._ref)
        return key


def _shipped(ray: Any, settings: Settings) -> tuple[Settings, _KeyHandle | None]:
    """The settings the workers are given, without the key, and the key's handle."""
    if settings.api_key is None:
        return settings, None
    return dataclasses.replace(settings, api_key=None), _KeyHandle(ray, settings.api_key)


_Answer = tuple[type[ArticleSummary], Prompt | None]
"""The result schema and the prompt the workers use (loaded here: no file on the workers)."""


class _SummarizeRows:
    """The per-worker callable of :func:`summarize_dataset`: a batch of rows in, results out."""

    def __init__(
        self,
        settings: Settings,
        cache_dir: str | None,
        slots: int,
        coordinator: Any,
        counts_tokens: bool,
        key: _KeyHandle | None = None,
        answer: _Answer = (ArticleSummary, None),
    ) -> None:
        pacing = SharedPacing(coordinator, counts_tokens) if coordinator is not None else None
        self.limits = RequestLimits(slots, pacing=pacing)
        cache = ResultCache(cache_dir) if cache_dir is not None else None
        if key is not None:
            settings = settings.replace(api_key=key.reveal())
        schema, prompt = answer
        self.summarizer = Summarizer(
            settings=settings, cache=cache, schema=schema, prompt=prompt
        ).with_options(limits=self.limits)

    async def _one(self, row: Mapping[str, Any], index: int) -> dict[str, Any]:
        try:
            result = await _arun_one(self.summarizer, row, index)
        except Exception as exc:  # a row, not a crash: Ray would not retry it
            logger.exception("unexpected failure of row %d", index)
            error = SummarizerError(f"unexpected {type(exc).__name__}: {exc}")
            result = BatchResult(id=str(row.get("id") or f"item-{index}"), error=error)
        return ResultRecord.of(result).row()

    async def __call__(self, batch: Any) -> Any:
        rows = batch.to_pylist()
        done = await asyncio.gather(*(self._one(row, i) for i, row in enumerate(rows)))
        pyarrow = _pyarrow()
        return pyarrow.Table.from_pylist(list(done), schema=_schema(pyarrow))


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError as exc:  # pragma: no cover - installed with ray[data]
        raise ConfigurationError(f"{_INSTALL} ({exc})") from exc
    return pyarrow


def _schema(pyarrow: Any) -> Any:
    string = pyarrow.string()
    fields = [(name, pyarrow.float64() if name == "seconds" else string) for name in COLUMNS]
    return pyarrow.schema(fields)


def _split(concurrency: int, workers: int | None) -> tuple[int, int]:
    """(workers, requests in flight per worker): an even split that never exceeds the bound."""
    count = workers if workers is not None else 2
    if count < 1:
        raise ConfigurationError("workers must be at least 1")
    count = min(count, concurrency)
    return count, concurrency // count


class DatasetOptions(SettingsOptions, total=False):
    """The options of :func:`summarize_dataset`: those of a Summarizer but ``client``.

    The workers build their own clients from the settings' key and endpoint.
    """

    cache: ResultCache | None
    settings: Settings | None
    schema: type[ArticleSummary] | None
    prompt: PromptSource | None


def _settings_of(
    summarizer: Summarizer | None, given: dict[str, Any]
) -> tuple[Settings, Any, _Answer]:
    """The settings, cache, schema and prompt the workers rebuild their summarizer from."""
    if summarizer is not None and given:
        raise ConfigurationError("pass either summarizer= or Summarizer options, not both")
    if "client" in given:
        raise ConfigurationError(
            "Ray workers build their own client from the settings' api_key and base_url; "
            "pass those (or set OPENAI_API_KEY / OPENAI_BASE_URL) instead of client="
        )
    if summarizer is None:
        cache = given.pop("cache", None)
        settings = given.pop("settings", None)
        schema, prompt = given.pop("schema", None), given.pop("prompt", None)
        check_option_names(given, SETTING_NAMES)
        given = {name: value for name, value in given.items() if value is not None}
        settings = Settings.from_env(**given) if settings is None else settings.replace(**given)
        schema = ArticleSummary if schema is None else check_schema(schema)
        own = schema is not ArticleSummary
        loaded = None
        if prompt is not None or own:
            loaded = resolve_prompt(prompt, settings.prompt_version, own_schema=own)
    else:
        settings, cache = summarizer.settings, summarizer.cache
        schema, loaded = summarizer.schema, summarizer.prompt
    if settings.api_key is None:
        raise ConfigurationError(
            "no API key for the workers: set OPENAI_API_KEY or pass api_key= "
            "(any value for a local server)",
            model=settings.model,
        )
    return settings, cache, (schema, loaded)


def summarize_dataset(
    dataset: Any,
    *,
    concurrency: int = 8,
    rpm: int | None = None,
    tpm: int | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    summarizer: Summarizer | None = None,
    **options: Unpack[DatasetOptions],
) -> Any:
    """Summarise every row of a Ray Dataset on the cluster; lazily, like any Dataset.

    Args:
        dataset: A ``ray.data.Dataset`` with ``id`` and ``text`` columns (optional
            ``published``, ``source``, ``url``). A worker takes a block at a time, so give
            it at least two blocks per worker (``override_num_blocks=`` when reading, or
            ``repartition``): a single block would keep one worker busy and the rest idle.
        concurrency: HTTP requests in flight at once over all workers (an even split).
        rpm: Requests per minute for the whole run (one coordinating actor).
        tpm: Estimated tokens per minute for the whole run (input and expected answer).
        workers: Actors that summarise (default 2, at most ``concurrency``).
        batch_size: Rows handed to a worker at once (default: twice its share of requests).
        summarizer: A configured :class:`~summarizer.Summarizer` whose settings and cache
            the workers use (its client stays here: each worker builds its own).
        **options: Or the options of :class:`~summarizer.Summarizer` (``model=``,
            ``api_key=``, ``base_url=``, ..., ``settings=``, ``schema=``, ``prompt=``
            (loaded here and sent to the workers), and ``cache=``, a
            :class:`~summarizer.ResultCache` on a shared or local disk) but ``client=``:
            a client cannot travel to the workers.

    Returns:
        A Dataset of :data:`COLUMNS`, one row per input row.

    Raises:
        ConfigurationError: The ``ray`` extra is missing, no API key, a bad option or
            limit (all checked before Ray is touched).
    """
    check_limits(concurrency, rpm, tpm)
    count, share = _split(concurrency, workers)
    chosen, cache, answer = _settings_of(summarizer, dict(options))
    ray = _ray()
    coordinator = None
    if rpm or tpm:
        remote = ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)(_Coordinator)
        name = f"summarizer-pacing-{uuid.uuid4().hex[:12]}"
        coordinator = remote.options(name=name).remote(rpm, tpm)
    size = batch_size or 2 * share
    shipped, key = _shipped(ray, chosen)
    return dataset.map_batches(
        _SummarizeRows,
        fn_constructor_kwargs={
            "settings": shipped,
            "key": key,
            "cache_dir": str(cache.directory) if cache is not None else None,
            "slots": share,
            "coordinator": coordinator,
            "counts_tokens": bool(tpm),
            "answer": answer,
        },
        batch_format="pyarrow",
        batch_size=size,
        num_cpus=0.5,
        compute=ray.data.ActorPoolStrategy(size=count, max_concurrent_calls_per_actor=2),
    )


def records(output: Any) -> Iterator[ResultRecord]:
    """The results-file records of :func:`summarize_dataset`'s output, as rows arrive."""
    for batch in output.iter_batches(batch_format="pyarrow", batch_size=None):
        for row in batch.to_pylist():
            yield ResultRecord.from_row(row)


def dataset_of(articles: Iterable[Article]) -> Any:
    """A Dataset of ``articles`` (their ``published`` as an ISO date string)."""
    rows = [
        {
            "id": a.id,
            "text": a.text,
            "published": None if a.published is None else str(a.published),
            "source": a.source,
            "url": a.url,
        }
        for a in articles
    ]
    return _ray().data.from_items(rows) if rows else None
