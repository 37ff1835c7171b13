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
from summarizer._prompts import SECOND_PASS_ID, FollowUp, Prompt, load_second_pass

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
            if folder.name == SECOND_PASS_ID:  # a follow-up message: it asks in the first schema
                prompt: Prompt | FollowUp = load_second_pass(version)
            else:
                prompt = load_prompt(version, folder.name)
            key = f"{folder.name}/{version}.yaml"
            if prompt.spec.released:
                assert key in lock, f"{key} is released but not in prompts/lock.json"
                assert lock[key] == prompt.sha256, f"{key} changed after release"
                if isinstance(prompt, FollowUp):
                    continue
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


def test_the_second_pass_prompt_is_released_and_frozen() -> None:
    prompt = load_second_pass()
    assert prompt.spec.released and prompt.id == SECOND_PASS_ID
    assert "{{" not in prompt.spec.message  # sent as it is, never rendered
    lock = json.loads((PROMPTS / "lock.json").read_text())
    assert lock[f"{SECOND_PASS_ID}/{prompt.version}.yaml"] == prompt.sha256


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id: p\nversion: v1\ndescription: d\n", "malformed"),
        ("id: p\nversion: v1\ndescription: d\nmessage: m\nsystem: s\n", "malformed"),
        ("id: other\nversion: v1\ndescription: d\nmessage: m\n", "declares"),
    ],
)
def test_bad_follow_up_files_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, expected: str
) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "v1.yaml").write_text(content)
    monkeypatch.setattr(_prompts, "prompts_root", lambda: tmp_path)
    _prompts._load_follow_up.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match=expected):
            load_second_pass("v1", "p")
        with pytest.raises(ConfigurationError, match="unknown prompt version p/v2"):
            load_second_pass("v2", "p")
    finally:
        _prompts._load_follow_up.cache_clear()


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
