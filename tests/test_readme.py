"""The README's and docs' promises that can be checked mechanically."""

import re
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.unit

README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"


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


def test_the_readme_stays_short_and_links_every_doc():
    assert len(README.encode()) < 12 * 1024
    for doc in DOCS.glob("*.md"):
        assert f"docs/{doc.name}" in README, doc.name


def test_every_relative_link_in_the_docs_resolves():
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), (page.name, target)


def test_the_settings_table_is_generated_from_the_schema():
    """Every setting, with its default and range, exactly as core/settings.py declares."""
    from posture_cam.core.settings import schema

    check = subprocess.run([sys.executable, str(DOCS / "make_docs.py"), "--check"])
    assert check.returncode == 0, "docs/configuration.md is stale: python docs/make_docs.py"
    table = (DOCS / "configuration.md").read_text()
    for key, default, allowed, _ in schema():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{key}` |"))
        cells = [c.strip() for c in row.split("|")[1:-1]]
        assert cells[2] == allowed, key
        if isinstance(default, tuple):  # a list setting, e.g. schedule.days
            assert cells[1] == "[" + ", ".join(f'"{v}"' for v in default) + "]", key
            continue
        assert cells[1].strip('"') == str(default).lower() or cells[1] == repr(default), key
