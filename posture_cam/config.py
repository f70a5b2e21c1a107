"""Settings from where the user puts them: the TOML file and `--set` flags.

Precedence: `--set SECTION.KEY=VALUE` > the file (`--config FILE`, else config.toml in the
config dir) > the defaults of `core/settings.py`, which also validates every value.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

from .core.errors import UserError
from .core.settings import MODEL_VARIANTS, Config, check_relations, config_from_mapping
from .storage import read_user_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def load_config(path: Path | None) -> Config:
    """Reads a TOML file over the defaults; None means the defaults."""
    if path is None:
        return Config()
    text = read_user_file(path, f"config file {path} does not exist",
                          "create it with `posture-cam config --defaults > FILE`", "config file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"config file {path} is not valid TOML: {exc}",
                        hint="fix the line or delete the file to use the defaults") from None
    try:
        return config_from_mapping(data)
    except UserError as exc:
        raise UserError(f"{path}: {exc.message}", hint=exc.hint) from None


def parse_set(items: Sequence[str]) -> dict[str, dict[str, Any]]:
    """`--set slouch.alert_after_s=30` -> {'slouch': {'alert_after_s': 30}} (TOML values)."""
    data: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or "." not in key:
            raise UserError(f"--set {item!r} must look like SECTION.KEY=VALUE, "
                            "e.g. --set slouch.alert_after_s=30")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word is a string
        section, name = key.strip().split(".", 1)
        data.setdefault(section, {})[name] = value
    return data


def settings_from(config_file: Path | None, overrides: Sequence[str] = ()) -> Config:
    """The settings a command runs with: file, then `--set` flags, validated."""
    config = load_config(config_file)
    try:
        config = config_from_mapping(parse_set(overrides), config)
    except UserError as exc:
        raise UserError(f"--set: {exc.message}", hint=exc.hint) from None
    check_whole(config, "the settings")
    return config


def check_whole(config: Config, origin: str) -> None:
    """What no single key's range can say: settings that contradict each other, and a
    model file that is not there."""
    try:
        check_relations(config)
    except UserError as exc:
        raise UserError(f"{origin}: {exc.message}", hint=exc.hint) from None
    model = config.analysis.model
    if model and model not in MODEL_VARIANTS and not Path(model).expanduser().is_file():
        raise UserError(f"{origin}: config key 'analysis.model' = {model!r}: no such file",
                        hint=f"give {', '.join(MODEL_VARIANTS)} or the path of a .task model "
                             "bundle, or leave it empty for the bundled full one")
