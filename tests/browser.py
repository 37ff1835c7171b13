"""Headless Chromium driven over the DevTools protocol on a pipe: stdlib only, no downloads.

Chromium is started with ``--remote-debugging-pipe``: it reads protocol messages (JSON, each
ending in a NUL byte) from file descriptor 3 and writes its answers and events to
descriptor 4. No port is opened and no driver or browser is downloaded; the browser is the
system's own (Debian's ``chromium`` package), found by :func:`find_chromium`.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)

# Runs in the child: put the pipe ends on descriptors 3 and 4, then become the browser.
_EXEC_WITH_PIPE = """
import os, sys
child_in, child_out = int(sys.argv[1]), int(sys.argv[2])
os.dup2(child_in, 3)
os.dup2(child_out, 4)
os.close(child_in)
os.close(child_out)
os.execv(sys.argv[3], sys.argv[3:])
"""


def find_chromium() -> str | None:
    """The browser binary: ``SUMMARIZER_CHROMIUM``, else the first Chromium on ``PATH``."""
    configured = os.environ.get("SUMMARIZER_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else shutil.which(configured)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    """The browser failed, answered with an error, or did not answer in time."""


class Chromium:
    """One headless browser with a fresh profile; use as a context manager."""

    def __init__(self, binary: str, *, width: int = 1280, height: int = 800) -> None:
        self.binary = binary
        self.width = width
        self.height = height
        self._profile = tempfile.TemporaryDirectory(prefix="summarizer-chromium-")
        self._log_path = Path(self._profile.name) / "chromium.log"
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._to_browser = -1
        self._from_browser = -1
        self.session: str | None = None

    # -- process -------------------------------------------------------------------------

    def __enter__(self) -> Chromium:
        # The pipe ends move above the low descriptors, so that placing them on 3 and 4 in
        # the child cannot clobber one with the other.
        browser_in_r, browser_in_w = os.pipe()
        browser_out_r, browser_out_w = os.pipe()
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (browser_in_r, browser_out_w)]
        for fd in (browser_in_r, browser_out_w):
            os.close(fd)
        child_in, child_out = high
        profile = Path(self._profile.name) / "profile"
        args = [
            self.binary,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={self.width},{self.height}",
            "about:blank",
        ]
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _EXEC_WITH_PIPE, str(child_in), str(child_out), *args],
                pass_fds=(child_in, child_out),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        os.close(child_in)
        os.close(child_out)
        self._to_browser = browser_in_w
        self._from_browser = browser_out_r
        try:
            self.send("Browser.getVersion", timeout=30)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        process = self._process
        if process is not None:
            with contextlib.suppress(BrowserError, OSError):
                self.send("Browser.close", timeout=5)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            self._process = None
        for fd in (self._to_browser, self._from_browser):
            if fd >= 0:
                os.close(fd)
        self._to_browser = self._from_browser = -1
        self._profile.cleanup()

    def log_tail(self, lines: int = 20) -> str:
        """The end of the browser's own log, for failure messages."""
        try:
            text = self._log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # -- protocol ------------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("the browser did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError(f"the browser closed the pipe:\n{self.log_tail()}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 30,
    ) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if "method" in answer:
                self._events.append(answer)

    def wait_event(self, method: str, *, timeout: float = 30) -> dict[str, Any]:
        """The first event ``method`` of the page's session (kept or still to come)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self._events:
                if event["method"] == method and event.get("sessionId") == self.session:
                    self._events.remove(event)
                    return event
            self._events.append(self._read_message(deadline))

    def events(self, method: str) -> list[dict[str, Any]]:
        """The events ``method`` of the open page received so far (read without waiting)."""
        while True:
            ready, _, _ = select.select([self._from_browser], [], [], 0)
            if not ready and b"\0" not in self._buffer:
                break
            self._events.append(self._read_message(time.monotonic() + 5))
        return [
            e for e in self._events if e["method"] == method and e.get("sessionId") == self.session
        ]

    # -- page ----------------------------------------------------------------------------

    def open(self, url: str) -> None:
        """Open ``url`` in a new tab of the viewport's size and wait for its load event."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self.page("Page.enable")
        self.page("Runtime.enable")
        self.page(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        self._events.clear()
        self.page("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def page(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """A command for the open page."""
        return self.send(method, params, session=self.session)

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page (promises awaited) and return its JSON value."""
        result = self.page(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 5) -> Any:
        """Poll ``expression`` until it is truthy; return its last value."""
        deadline = time.monotonic() + timeout
        value = self.evaluate(expression)
        while not value and time.monotonic() < deadline:
            time.sleep(0.05)
            value = self.evaluate(expression)
        return value

    def press(self, key: str, code: str, key_code: int) -> None:
        """A real key press (down, then up) on the focused element."""
        common = {"key": key, "code": code, "windowsVirtualKeyCode": key_code}
        text = "\r" if key == "Enter" else ""
        self.page("Input.dispatchKeyEvent", {"type": "keyDown", "text": text, **common})
        self.page("Input.dispatchKeyEvent", {"type": "keyUp", **common})

    def center_of(self, selector: str) -> tuple[float, float]:
        """Scroll the element into view and return its centre, in viewport pixels."""
        box = self.evaluate(
            f"""(() => {{
                const el = document.querySelector({json.dumps(selector)});
                el.scrollIntoView({{block: 'center'}});
                const r = el.getBoundingClientRect();
                return [r.left + r.width / 2, r.top + Math.min(r.height / 2, 12)];
            }})()"""
        )
        return float(box[0]), float(box[1])

    def mouse(self, kind: str, x: float, y: float) -> None:
        """A real mouse event: ``mouseMoved``, or a left ``mousePressed``/``mouseReleased``."""
        params: dict[str, Any] = {"type": kind, "x": x, "y": y}
        if kind != "mouseMoved":
            params.update(button="left", clickCount=1)
        self.page("Input.dispatchMouseEvent", params)

    def click(self, selector: str) -> None:
        """Move to the element and click it as a user would."""
        x, y = self.center_of(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.mouse(kind, x, y)

    def screenshot(self, path: Path) -> None:
        """Save the viewport as a PNG."""
        data = self.page("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


BROWSER_MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_chromium() is None and os.environ.get("SUMMARIZER_REQUIRE_BROWSER") != "1",
        reason="no Chromium binary found: apt-get install chromium (or set SUMMARIZER_CHROMIUM)",
    ),
]
"""A browser test's marks: skipped without Chromium, unless CI requires it (then it fails)."""


@contextlib.contextmanager
def browser_window(width: int, height: int) -> Iterator[Chromium]:
    """A Chromium page of this size; a test that requires the browser fails without one."""
    binary = find_chromium()
    if binary is None:
        pytest.fail("SUMMARIZER_REQUIRE_BROWSER=1 but no Chromium binary was found")
    with Chromium(binary, width=width, height=height) as chromium:
        yield chromium


# Report and corpus pages: is highlight ``id`` (a JSON string) within the visible part of its
# article pane, and has every mark of it been flashed? Format with ``% json.dumps(id)``.
VISIBLE_JS = """
((id) => {
  const el = document.querySelector('[data-hl="' + id + '"]');
  const box = el.closest('.sr-article').getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const top = Math.max(0, box.top), bottom = Math.min(window.innerHeight, box.bottom);
  return r.top >= top - 1 && r.top + Math.min(r.height, 40) <= bottom + 1;
})(%s)
"""
FLASHED_JS = """
((id) => Array.from(document.querySelectorAll('[data-hl="' + id + '"]'))
  .every(el => el.classList.contains('flash')))(%s)
"""
