"""Prompts are data: versioned files, a lock on released versions, shipped in the wheel."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer import ConfigurationError, _prompts, list_prompts, load_prompt

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = ROOT / "prompts"


def test_default_is_the_latest_released_version() -> None:
    versions = list_prompts()
    assert versions and versions[0] == "v1"
    prompt = load_prompt()
    assert prompt.spec.released
    released = [v for v in versions if load_prompt(v).spec.released]
    assert prompt.version == released[-1]


def test_released_prompts_never_change() -> None:
    """A released file must keep its hash; change it by adding a new version instead."""
    lock = json.loads((PROMPTS / "lock.json").read_text())
    for folder in PROMPTS.iterdir():
        if not folder.is_dir():
            continue
        for version in list_prompts(folder.name):
            prompt = load_prompt(version, folder.name)
            key = f"{folder.name}/{version}.yaml"
            if prompt.spec.released:
                assert key in lock, f"{key} is released but not in prompts/lock.json"
                assert lock[key] == prompt.sha256, f"{key} changed after release"
                schema = f"{folder.name}/{version}.schema.json"
                assert schema in lock, f"{key} is released without its frozen answer schema"
                assert prompt.schema is not None
    for key, digest in lock.items():
        assert hashlib.sha256((PROMPTS / key).read_bytes()).hexdigest() == digest, key


def test_a_released_prompt_sends_its_frozen_schema() -> None:
    """The schema sent is the released file, whatever the library's models become."""
    from summarizer import Summarizer

    for version in ("v1", "v2"):
        prompt = load_prompt(version)
        body = Summarizer(prompt_version=version).request_body("date 2025-01-01 Text.")
        sent = body["tools"][0]["function"]
        assert sent["parameters"]["properties"] == (prompt.schema or {})["properties"]
        assert sent["name"] == (prompt.schema or {})["title"] == "ArticleSummary"


def test_messages_put_the_static_part_first() -> None:
    messages = load_prompt().messages()
    assert messages[0]["role"] == "system" and "{{" not in messages[0]["content"]
    assert messages[-1]["content"].count("{{ article }}") == 1


def test_unknown_version_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown prompt version .*known: v1"):
        load_prompt("v999")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id: p\nversion: v1\n: : bad yaml [", "malformed"),
        ("id: p\nversion: v1\ndescription: d\nsystem: s\nuser: no placeholder\n", "malformed"),
        (
            "id: p\nversion: v1\ndescription: d\nsystem: s\nuser: '{{ article }}'\nextra: 1\n",
            "malformed",
        ),
        ("id: other\nversion: v1\ndescription: d\nsystem: s\nuser: '{{ article }}'\n", "declares"),
    ],
)
def test_bad_prompt_files_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, expected: str
) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "v1.yaml").write_text(content)
    monkeypatch.setattr(_prompts, "prompts_root", lambda: tmp_path)
    _prompts._load.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match=expected):
            load_prompt("v1", "p")
    finally:
        _prompts._load.cache_clear()


@pytest.mark.slow
def test_prompts_ship_in_a_regular_install(tmp_path: Path) -> None:
    """After a normal, non-editable install the prompts load from the installed package."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import summarizer, json; p = summarizer.load_prompt(); "
        "print(json.dumps([summarizer.__file__, p.path, p.sha256, summarizer.list_prompts()]))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    module_file, prompt_path, digest, versions = json.loads(out.stdout)
    assert module_file.startswith(str(target))
    assert prompt_path.startswith(str(target / "summarizer" / "prompts"))
    assert digest == load_prompt().sha256
    assert versions == list_prompts()
