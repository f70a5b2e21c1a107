"""The layers hold: core/ stays pure, nothing outside core/ leaks into it, no import cycles.

core/ is the analysis (numpy and the standard library only: no camera, model, GUI,
notification, plotting or database library), so it can be tested without any of them.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "posture_cam"
CORE = PACKAGE / "core"
IO_LIBRARIES = ("cv2", "mediapipe", "plyer", "matplotlib", "sqlite3", "platformdirs", "dbus")
CORE_MODULES = sorted(p.stem for p in CORE.glob("*.py") if p.stem != "__init__")


def _heavy_imports_of(module: str, libraries: tuple[str, ...]) -> str:
    code = (f"import sys, posture_cam.{module}; "
            f"print(','.join(m for m in {libraries!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _internal_imports(path: Path) -> set[str]:
    """Modules of the package that `path` imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.startswith("posture_cam"):
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("posture_cam"))
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts)
               for p in PACKAGE.rglob("*.py")}
    return {m.removesuffix(".__init__") for m in found if m in modules
            or f"{m}.__init__" in modules} - {""}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


@pytest.mark.unit
def test_core_holds_the_analysis():
    for name in ("geometry", "analyzer", "calibration", "decision", "breaks", "pipeline",
                 "readings", "settings", "frame", "summary", "history_store"):
        assert name in CORE_MODULES


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_no_io_library(module):
    assert _heavy_imports_of(f"core.{module}", IO_LIBRARIES) == ""


@pytest.mark.unit
def test_core_imports_nothing_from_outside_core():
    leaks = {(_module_name(p), m) for p in CORE.glob("*.py") for m in _internal_imports(p)
             if not m.startswith("posture_cam.core")}
    assert leaks == set()


@pytest.mark.unit
def test_there_are_no_import_cycles():
    graph = {_module_name(p): _internal_imports(p) - {_module_name(p)}
             for p in PACKAGE.rglob("*.py")}
    graph = {k: {m for m in v if m in graph and m != "posture_cam"} for k, v in graph.items()}
    cycles = []

    def visit(node, stack, done):
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, stack + [node], done)
        done.add(node)

    done: set[str] = set()
    for node in sorted(graph):
        visit(node, [], done)
    assert cycles == []


def test_the_history_recorder_needs_no_camera_model_or_plotting_library():
    assert _heavy_imports_of("history", ("cv2", "mediapipe", "plyer", "matplotlib")) == ""


def test_cli_help_does_not_load_the_model_libraries():
    code = ("import sys; from posture_cam import cli; "
            "cli.build_parser(); print('mediapipe' in sys.modules, 'cv2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
