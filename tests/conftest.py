"""Shared fixtures: run the real CLI as a subprocess, find the sample clips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/factories.py


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@pytest.fixture
def user_dirs(tmp_path):
    """Private config/data/state dirs, as environment variables for a subprocess."""
    dirs = {name: tmp_path / name for name in ("config", "data", "state")}
    for d in dirs.values():
        d.mkdir()
    env = {
        "POSTURE_CAM_CONFIG_DIR": str(dirs["config"]),
        "POSTURE_CAM_DATA_DIR": str(dirs["data"]),
        "POSTURE_CAM_STATE_DIR": str(dirs["state"]),
    }
    return dirs, env


@pytest.fixture
def cli(user_dirs):
    """Runs `posture-cam ARGS` in a subprocess with private user dirs; returns CliResult."""
    _, dir_env = user_dirs

    def run(*args: str, env: dict | None = None, timeout: float = 300, input: str | None = None):
        full_env = {**os.environ, **dir_env, **(env or {})}
        proc = subprocess.run([sys.executable, "-m", "posture_cam.cli", *map(str, args)],
                              capture_output=True, text=True, env=full_env, timeout=timeout,
                              input=input, cwd=ROOT)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def app(user_dirs):
    """Runs `posture-cam ARGS` in-process (cli.main with private folders and streams):
    the quick way to test commands that load no model. Returns CliResult."""
    import io

    from posture_cam import cli as cli_module
    from posture_cam.paths import Paths

    dirs, _ = user_dirs
    paths = Paths(dirs["config"], dirs["data"], dirs["state"])

    def run(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        code = cli_module.main([str(a) for a in args], paths, out, err)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


def sample(name: str) -> Path:
    """A sample clip; the test fails (not skips) when it is missing: they are committed."""
    path = SAMPLES / f"{name}.mp4"
    assert path.exists(), f"sample clip {path} is missing (rebuild: see samples/README.md)"
    return path


def sample_truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


# --- history and report (issue 5) ----------------------------------------------------------
# Scripted StepResults from the real pipeline stages after the model (decision, breaks),
# with the analyzer replaced by a script: hours of history in a second, no video.

SCRIPT_DELTAS_DEG = {"upright": (1.2, 0.6, 0.0, -0.6), "slouched": (24.0, 6.0, 4.5, -6.0)}


class ScriptedAnalyzer:
    """Stands in for `Analyzer`: returns the scripted posture for each frame's time."""

    def __init__(self, script):
        self.script = script  # [(until_t_s, "upright" | "slouched" | "away"), ...]

    def label_at(self, t_s: float) -> str:
        return next((label for until, label in self.script if t_s < until), "away")

    def update(self, pose_frame):
        from posture_cam.core.analyzer import PostureSample
        from posture_cam.core.geometry import View

        label = self.label_at(pose_frame.t_s)
        if label == "away":
            return PostureSample.nobody(pose_frame.t_s)
        from posture_cam.core.settings import SlouchConfig
        from posture_cam.core.readings import Readings

        readings = Readings(*SCRIPT_DELTAS_DEG[label])
        severity = readings.over(SlouchConfig().thresholds(front=False))
        return PostureSample(pose_frame.t_s, True, 1, View.FRONT, readings, severity, 0.9)


def scripted_steps(script, step_s: float = 0.5, t0_s: float = 0.0, config=None):
    """StepResults of a script of (seconds, label) runs, through the real decision stages."""
    from posture_cam.core.breaks import SittingTimer
    from posture_cam.core.settings import Config
    from posture_cam.core.decision import SlouchDetector
    from posture_cam.core.landmarks import PoseFrame
    from posture_cam.core.pipeline import Pipeline

    config = config or Config()
    ends, t = [], t0_s
    for seconds, label in script:
        t += seconds
        ends.append((t, label))
    pipeline = Pipeline(None, ScriptedAnalyzer(ends), SlouchDetector(config.slouch),
                        SittingTimer(config.breaks))
    n = int(round((t - t0_s) / step_s))
    return [pipeline.step_pose(PoseFrame(t0_s + i * step_s, 640, 480, ())) for i in range(n)]


@pytest.fixture(scope="session")
def steps():
    return scripted_steps


# --- notifications, snooze, breaks, autostart (issue 4) ----------------------------------
# Delivery is tested for real: dbusmock's notification_daemon template on a private session
# bus records what plyer sent. posture-cam runs as a subprocess that is handed the bus
# address, so the real desktop of whoever runs the tests never sees a notification.

REQUIRE_DESKTOP_TESTS = os.environ.get("POSTURE_CAM_REQUIRE_DESKTOP_TESTS") == "1"


def skip_or_fail(reason: str) -> None:
    """Skips a test whose prerequisite is missing; fails instead when CI sets
    POSTURE_CAM_REQUIRE_DESKTOP_TESTS=1, so a green run cannot hide a silent skip."""
    if REQUIRE_DESKTOP_TESTS:
        pytest.fail(f"{reason} (POSTURE_CAM_REQUIRE_DESKTOP_TESTS=1 makes this an error)",
                    pytrace=False)
    pytest.skip(reason)


def desktop_test_blocker() -> str | None:
    """Why the D-Bus delivery tests cannot run here, or None."""
    import importlib
    import shutil

    if not sys.platform.startswith("linux"):
        return "D-Bus delivery tests run on Linux only"
    if shutil.which("dbus-daemon") is None:
        return "dbus-daemon is not installed (apt install dbus-daemon)"
    for module, fix in (("dbus", "pip install dbus-python"),
                        ("dbusmock", "pip install python-dbusmock")):
        try:
            importlib.import_module(module)
        except ImportError:
            return f"Python module {module} is missing ({fix})"
    return None


@dataclass(frozen=True)
class Notification:
    app_name: str
    title: str
    body: str
    timeout_ms: int


class NotificationServer:
    """A recording org.freedesktop.Notifications server on a private session bus."""

    def __init__(self, address: str, mock) -> None:  # noqa: ANN001
        self.address = address
        self._mock = mock

    @property
    def env(self) -> dict[str, str]:
        return {"DBUS_SESSION_BUS_ADDRESS": self.address}

    def clear(self) -> None:
        self._mock.ClearCalls(dbus_interface="org.freedesktop.DBus.Mock")

    def received(self) -> list[Notification]:
        calls = self._mock.GetMethodCalls("Notify", dbus_interface="org.freedesktop.DBus.Mock")
        # Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout)
        return [Notification(str(a[0]), str(a[3]), str(a[4]), int(a[7])) for _t, a in calls]


def _start_private_bus():
    """A private dbus-daemon; DBUS_SESSION_BUS_ADDRESS points to it until `_restore_env`."""
    from dbusmock.testcase import BusType, PrivateDBus

    bus = PrivateDBus(BusType.SESSION)
    saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    bus.start()  # dbusmock's helpers find the bus through the environment variable

    def restore_env() -> None:  # ...which other tests' subprocesses must not inherit
        if saved is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved

    return bus, restore_env


@pytest.fixture(scope="session")
def _notification_server_session():
    blocker = desktop_test_blocker()
    if blocker:
        skip_or_fail(blocker)
    from dbusmock import SpawnedMock

    bus, restore_env = _start_private_bus()
    try:
        server = SpawnedMock.spawn_with_template("notification_daemon", {},
                                                 stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL)
        restore_env()
        try:
            yield NotificationServer(bus.address, server.obj)
        finally:
            server.terminate()
    finally:
        restore_env()
        bus.stop()


@pytest.fixture
def notification_server(_notification_server_session):
    """The session's recording notification server, with an empty record."""
    _notification_server_session.clear()
    return _notification_server_session


@pytest.fixture(scope="session")
def bus_without_notification_server():
    """The address of a private session bus on which no notification service runs."""
    blocker = desktop_test_blocker()
    if blocker:
        skip_or_fail(blocker)
    bus, restore_env = _start_private_bus()
    restore_env()
    try:
        yield bus.address
    finally:
        bus.stop()


def hide_python_module(folder: Path, module: str) -> dict[str, str]:
    """Env for a subprocess in which `import module` fails (a shadowing stub on PYTHONPATH)."""
    stub = folder / module
    stub.mkdir(parents=True, exist_ok=True)
    (stub / "__init__.py").write_text(f"raise ImportError('{module} hidden by the test')\n")
    return {"PYTHONPATH": str(folder)}


class DesktopCli:
    """Runs posture-cam like `cli`, but with the desktop made explicit: no session bus, no
    $XDG_RUNTIME_DIR/bus and a temp XDG_CONFIG_HOME, unless `env` brings them."""

    def __init__(self, base_env: dict[str, str]) -> None:
        self.base_env = base_env

    def env(self, env: dict | None = None) -> dict[str, str]:
        full = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
        return {**full, **self.base_env, **(env or {})}

    def __call__(self, *args: str, env: dict | None = None, timeout: float = 600) -> CliResult:
        proc = subprocess.run([sys.executable, "-m", "posture_cam.cli", *map(str, args)],
                              capture_output=True, text=True, env=self.env(env),
                              timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    def spawn(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        """Starts a long-running command (e.g. `monitor`); stop it with SIGTERM."""
        return subprocess.Popen([sys.executable, "-m", "posture_cam.cli", *map(str, args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env(env), cwd=ROOT, stdin=subprocess.DEVNULL)


@pytest.fixture
def desktop_cli(user_dirs, tmp_path):
    dirs, dir_env = user_dirs
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    runtime.chmod(0o700)
    return DesktopCli({**dir_env, "XDG_RUNTIME_DIR": str(runtime),
                       "XDG_CONFIG_HOME": str(tmp_path / "xdg-config")})
