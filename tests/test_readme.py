"""The README's promises that can be checked mechanically."""

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text()


def _command_after(marker: str) -> str:
    match = re.search(re.escape(marker) + r".*?```(?:sh|bash)?\n(.+?)\n```", README, re.S)
    assert match, f"README has no code block after {marker!r}"
    return match.group(1).strip()


def test_ci_runs_the_readme_test_command():
    command = _command_after("<!-- test-command -->")
    ci = (ROOT / ".ci" / "run").read_text()
    assert command in ci.splitlines()


def test_readme_documents_every_cli_command():
    from posture_cam.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001
    for name in commands:
        assert f"posture-cam {name}" in README, name


def test_readme_documents_every_setting():
    from dataclasses import fields

    from posture_cam.config import Config

    defaults = Config()
    for section in fields(Config):
        for key in fields(getattr(defaults, section.name)):
            assert f"`{section.name}.{key.name}`" in README, f"{section.name}.{key.name}"
