"""MediaPipe PoseLandmarker -> numpy landmarks. The only module that imports mediapipe.

MediaPipe's native code logs straight to file descriptor 2; the CLI hides that noise
(see `cli.hide_native_stderr`). The estimator follows one person in VIDEO mode (it tracks between frames, which is faster
and steadier than detecting afresh) and looks for others now and then (see
`PoseEstimator`). It must be closed deterministically: mediapipe 1.2.3 raises from
`__del__` at interpreter exit otherwise. Use it as a context manager.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import importlib.util
import logging
import sys
import types
import zipfile
from pathlib import Path
import cv2
import numpy as np

from .core.errors import UserError
from .core.geometry import pose_centre_px, select_user
from .core.landmarks import Pose, PoseFrame
from .core.settings import DEFAULT_MODEL_VARIANT, MODEL_VARIANTS

log = logging.getLogger(__name__)

DETECTOR = "pose_detector.tflite"
REQUIRED_MEMBERS = (DETECTOR, "pose_landmarks_detector.tflite")
# Variants left out of the package (pyproject's data-files) for their size: built on demand.
NOT_SHIPPED = ("heavy",)


def model_file_name(variant: str) -> str:
    return f"pose_landmarker_{variant}.task"


def bundled_model_path(variant: str = DEFAULT_MODEL_VARIANT) -> Path:
    """A bundled model: beside the package in a checkout (editable install), else where
    pip put the wheel's data files (<prefix>/share/posture-cam/models). The heavy one is
    not shipped (30 MB); models/build_model.py --variant heavy writes it there. A missing
    file is looked for where it belongs, so the error names the place to put it."""
    name = model_file_name(variant)
    checkout = Path(__file__).resolve().parent.parent / "models" / name
    installed = Path(sys.prefix) / "share" / "posture-cam" / "models" / name
    if checkout.exists() or installed.exists():
        return checkout if checkout.exists() else installed
    return checkout if checkout.parent.is_dir() else installed


def default_model_path() -> Path:
    return bundled_model_path(DEFAULT_MODEL_VARIANT)


def resolve_model(spec: str) -> Path:
    """What `--model` / `analysis.model` name: empty = the default bundle, a variant name
    = that bundle, anything else = a file."""
    if not spec:
        return default_model_path()
    if spec in MODEL_VARIANTS:
        return bundled_model_path(spec)
    return Path(spec).expanduser()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_model(path: Path) -> None:
    """Clear errors for a missing, truncated or foreign model file, before MediaPipe sees it."""
    if not path.exists():
        variant = next((v for v in MODEL_VARIANTS if path.name == model_file_name(v)), None)
        build = (f"build it in a posture-cam checkout: python models/build_model.py "
                 f"--variant {variant} --out {path}")
        raise UserError(f"pose model {path} is missing",
                        hint=("check the path, or pick a bundled model: "
                              + ", ".join(MODEL_VARIANTS)) if variant is None
                        else build if variant in NOT_SHIPPED
                        else f"reinstall posture-cam, or {build}")
    if not zipfile.is_zipfile(path):
        raise UserError(f"pose model {path} is not a MediaPipe .task bundle (corrupt?)",
                        hint="rebuild it with models/build_model.py or pass --model PATH")
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            bad = bundle.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"pose model {path} is damaged: {exc}",
                        hint="rebuild it with models/build_model.py") from None
    missing = [m for m in REQUIRED_MEMBERS if m not in names]
    if missing or bad:
        raise UserError(f"pose model {path} is not a pose landmarker bundle "
                        f"({'missing ' + missing[0] if missing else 'damaged ' + str(bad)})",
                        hint="use a pose_landmarker_{lite,full,heavy}.task file")
    expected_file = path.with_name(path.name + ".sha256")
    if expected_file.exists():
        expected = expected_file.read_text().split()[0]
        if sha256_of(path) != expected:
            raise UserError(f"pose model {path} does not match its checksum {expected_file.name}",
                            hint="rebuild it with models/build_model.py")


# The packages whose __init__ imports all of mediapipe (audio with sounddevice and PortAudio,
# text, every vision task, drawing helpers with matplotlib): ~25 MB of RSS and 0.3 s that a
# pose landmarker never uses. The lean import skips them; the modules it needs instead:
_HEAVY_PACKAGES = ("mediapipe", "mediapipe.tasks", "mediapipe.tasks.python",
                   "mediapipe.tasks.python.vision")
_POSE_MODULES = ("mediapipe.tasks.python.core.base_options",
                 "mediapipe.tasks.python.vision.core.image",
                 "mediapipe.tasks.python.vision.core.vision_task_running_mode",
                 "mediapipe.tasks.python.vision.pose_landmarker")


def _import_mediapipe():  # noqa: ANN202 - (mediapipe-like, BaseOptions, vision-like)
    """What a pose landmarker needs from mediapipe, imported only when a model is loaded:
    `mp.Image`, `mp.ImageFormat`, `BaseOptions`, `vision.PoseLandmarker(Options)` and
    `vision.RunningMode`. The lean way (`_import_pose_only`); the whole package when that
    fails (another mediapipe layout).
    """
    before = set(sys.modules)
    try:
        return _import_pose_only()
    except (ImportError, AttributeError) as exc:
        log.debug("lean mediapipe import failed (%s); importing all of it", exc)
        for name in set(sys.modules) - before:  # the half-imported lean modules
            if name == "mediapipe" or name.startswith("mediapipe."):
                del sys.modules[name]
    return _import_whole_mediapipe()


def _import_pose_only():  # noqa: ANN202
    """The pose landmarker's modules, without running the package __init__ files above.

    Each of those packages not imported yet is put in sys.modules unexecuted (a real
    module from its real spec, so submodules import normally); the first attribute asked
    of one that its __init__ would have set runs the __init__ files then (PEP 562
    `__getattr__`), so a later plain `import mediapipe` elsewhere in the process still
    gets the whole package. A second estimator finds the modules already there.
    """
    for name in _HEAVY_PACKAGES:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.submodule_search_locations is None:
            raise ImportError(f"{name} is not a package")
        package = importlib.util.module_from_spec(spec)
        package.__getattr__ = _completing_getattr(package)
        sys.modules[name] = package
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, package)
    base_options, image, running_mode, pose_landmarker = (
        importlib.import_module(name) for name in _POSE_MODULES)
    mp = types.SimpleNamespace(Image=image.Image, ImageFormat=image.ImageFormat)
    vision = types.SimpleNamespace(PoseLandmarker=pose_landmarker.PoseLandmarker,
                                   PoseLandmarkerOptions=pose_landmarker.PoseLandmarkerOptions,
                                   RunningMode=running_mode.VisionTaskRunningMode)
    return mp, base_options.BaseOptions, vision


def _completing_getattr(package: types.ModuleType):  # noqa: ANN202 - PEP 562 __getattr__
    def __getattr__(name: str) -> object:
        if "__getattr__" not in vars(package):  # completed already: really missing
            raise AttributeError(f"module {package.__name__!r} has no attribute {name!r}")
        _complete_lean_packages()
        return getattr(package, name)
    return __getattr__


def _complete_lean_packages() -> None:
    """Run the skipped __init__ files, innermost first, the order in which a plain import
    finishes them (mediapipe's own __init__ rebinds `mediapipe.tasks` once the inner ones
    are done)."""
    pending = [package for package in map(sys.modules.get, reversed(_HEAVY_PACKAGES))
               if package is not None and "__getattr__" in vars(package)]
    for package in pending:
        del package.__getattr__  # during the __init__ files, a module is as plain as usual

    def load() -> None:
        for package in pending:
            package.__spec__.loader.exec_module(package)
    _without_pyplot(load)


def _import_whole_mediapipe():  # noqa: ANN202
    def load():  # noqa: ANN202
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision
        return mp, BaseOptions, vision
    return _without_pyplot(load)


def _without_pyplot(load):  # noqa: ANN001, ANN202
    """Run `load` with a placeholder for matplotlib.pyplot.

    mediapipe's vision package imports its drawing helpers, which import matplotlib.pyplot
    (0.2 s and ~20 MB that posture-cam never uses: it draws with OpenCV, and its charts use
    matplotlib's Figure API without pyplot). The placeholder stands in during the import
    only, so a real `import matplotlib.pyplot` later still gets the real one.
    """
    placeholder = "matplotlib.pyplot" not in sys.modules
    if placeholder:
        sys.modules["matplotlib.pyplot"] = types.ModuleType("matplotlib.pyplot")
    try:
        return load()
    finally:
        if placeholder:
            del sys.modules["matplotlib.pyplot"]


# glibc's M_ARENA_MAX (malloc.h): how many malloc arenas threads may share.
_M_ARENA_MAX = -8
MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS, libc: str = "libc.so.6") -> bool:
    """Let the landmarkers' threads share `arenas` glibc malloc arenas; True if applied.

    glibc gives each thread that allocates an arena of its own (up to 8 per core), and
    MediaPipe's graph threads allocate and free tensors and images on every frame, so
    each arena keeps its own half-used pages: ~6 MB of RSS for nothing (docs/performance.md,
    Memory). Two arenas (the Python thread and MediaPipe's) keep lock contention away.
    Process-wide, so set once before a model loads; nothing to do on other C libraries.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL(libc).mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc (musl, ...): no such library or call
        return False


# How often to look for other people while following one (a survey costs about two
# tracked frames, and the still-picture gate makes most analysed frames seconds apart, so
# a short interval would make nearly every one a survey); sooner when the picture changed
# beside or above the user (`look_for_others`), but not more often than SURVEY_MIN_GAP_S;
# and how far the followed body may jump between frames before we look.
SURVEY_EVERY_S = 30.0
SURVEY_MIN_GAP_S = 2.0
JUMP_SHARE_OF_WIDTH = 0.15
# A survey is a single look, so it takes fainter people than the tracker does: at 0.5 the
# one-off detector found a half-size passer-by in 8 of 40 frames, at 0.3 in 36 of 40, and
# it found no second body in any of 1,458 one-person frames (samples/, ../shared/real).
SURVEY_DETECTION_CONFIDENCE = 0.3
# Survey poses this close to the followed one (share of the image width) are the same body.
SAME_BODY_SHARE_OF_WIDTH = 0.12


def survey_model_for(model_path: Path) -> Path:
    """The model that looks for other people now and then (`PoseEstimator._survey`).

    Finding people is the job of a bundle's person detector, the same file in the lite and
    full bundles; what differs is the landmark model, and a survey's landmarks only place
    the people it finds (the followed person's come from the tracker). So a model whose
    detector is the lite bundle's (same CRC) surveys with the lite bundle: a kept-alive
    full surveyor costs ~10 MB more and ~25 % more CPU per survey. Any other model surveys
    with itself.
    """
    lite = bundled_model_path("lite")
    try:
        with zipfile.ZipFile(model_path) as ours, zipfile.ZipFile(lite) as theirs:
            same = ours.getinfo(DETECTOR).CRC == theirs.getinfo(DETECTOR).CRC
    except (OSError, KeyError, zipfile.BadZipFile):
        same = False
    return lite if same else model_path


class PoseEstimator:
    """One person followed by MediaPipe's PoseLandmarker; `detect(image_bgr, t_s)` -> PoseFrame.

    Following one person in VIDEO mode (`num_poses=1`) lets the landmarker track: it runs
    its person detector only when it has lost the person, and refines the landmarks from
    the previous frame's region. Asking for two people instead makes it run the detector
    on every frame with fewer than two people in view, which is nearly always: 1.7x the
    cost, and a detector that misses some people a tracker keeps (../shared/real has one).
    Other people still matter (a colleague nearer the camera is the user; a passer-by is
    not), so every `SURVEY_EVERY_S`, sooner when the picture changed around the user
    (`look_for_others`), and whenever the followed body jumps, a second landmarker in
    IMAGE mode (on the lite bundle: `survey_model_for`) looks for up to two people. When
    it finds someone who should
    be followed instead (`geometry.select_user`), the tracker starts afresh.
    """

    def __init__(self, model_path: Path | None = None, max_image_width: int = 640,
                 min_detection_confidence: float = 0.5,
                 survey_every_s: float = SURVEY_EVERY_S) -> None:
        self.model_path = Path(model_path) if model_path else default_model_path()
        check_model(self.model_path)
        limit_malloc_arenas()
        mp, BaseOptions, vision = _import_mediapipe()

        self._mp = mp
        self._vision = vision
        self._base_options = BaseOptions(model_asset_path=str(self.model_path))
        self.survey_model_path = survey_model_for(self.model_path)
        self._survey_options = BaseOptions(model_asset_path=str(self.survey_model_path))
        self.min_detection_confidence = min_detection_confidence
        self.survey_every_s = survey_every_s
        self._landmarker = self._create(vision.RunningMode.VIDEO, num_poses=1)
        self._surveyor = None  # created at the first survey
        self.max_image_width = max_image_width
        self._last_ms = -1
        self._offset_ms = 0
        self._rgb: np.ndarray | None = None
        self._last_survey_t: float | None = None
        self._last_centre: np.ndarray | None = None
        self._others_moved = False
        self.surveys = 0
        self.restarts = 0

    def look_for_others(self) -> None:
        """Someone else may have come into view: survey at the next frame that may."""
        self._others_moved = True

    def _create(self, mode, num_poses: int, base_options=None,  # noqa: ANN001, ANN202
                detection_confidence: float | None = None):
        options = self._vision.PoseLandmarkerOptions(
            base_options=base_options or self._base_options, running_mode=mode,
            num_poses=num_poses,
            min_pose_detection_confidence=detection_confidence or self.min_detection_confidence,
            min_pose_presence_confidence=0.5, min_tracking_confidence=0.5)
        try:
            return self._vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise UserError(f"pose model {self.model_path} could not be loaded: "
                            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                            hint="is it a pose_landmarker .task bundle?") from None

    def _prepare(self, image_bgr: np.ndarray) -> np.ndarray:
        """Downscale (cheap, before colour conversion) and convert into a reused buffer."""
        if image_bgr.ndim == 2:
            image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
        height, width = image_bgr.shape[:2]
        if width > self.max_image_width:
            scale = self.max_image_width / width
            size = (self.max_image_width, max(1, round(height * scale)))
            image_bgr = cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)
        if self._rgb is None or self._rgb.shape != image_bgr.shape:
            self._rgb = np.empty_like(image_bgr)
        cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB, dst=self._rgb)
        return self._rgb

    def _timestamp_ms(self, t_s: float) -> int:
        """VIDEO mode needs strictly increasing integer milliseconds. A source that starts
        again (a looped or re-read video) is shifted past the last timestamp, keeping the
        spacing between frames that MediaPipe's own smoothing relies on."""
        t_ms = int(round(t_s * 1000)) + self._offset_ms
        if t_ms <= self._last_ms:
            self._offset_ms += self._last_ms + 1 - t_ms
            t_ms = self._last_ms + 1
        self._last_ms = t_ms
        return t_ms

    def detect(self, image_bgr: np.ndarray, t_s: float) -> PoseFrame:
        rgb = self._prepare(image_bgr)
        height, width = rgb.shape[:2]
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        result = self._landmarker.detect_for_video(image, self._timestamp_ms(t_s))
        poses = tuple(Pose.from_mediapipe(normalized, world, width, height)
                      for normalized, world in zip(result.pose_landmarks,
                                                   result.pose_world_landmarks))
        if poses:
            centre = pose_centre_px(poses[0])
            jumped = (self._last_centre is not None and float(np.hypot(
                *(centre - self._last_centre))) > JUMP_SHARE_OF_WIDTH * width)
            since = None if self._last_survey_t is None else t_s - self._last_survey_t
            due = (since is None or since >= self.survey_every_s
                   or (self._others_moved and since >= SURVEY_MIN_GAP_S))
            self._last_centre = centre
            if jumped or due:
                poses = self._survey(image, poses, t_s, width, height)
        else:
            self._last_centre = None  # lost: the tracker's own detector searches again
        return PoseFrame(t_s, width, height, poses)

    def _survey(self, image, tracked: tuple[Pose, ...], t_s: float,  # noqa: ANN001
                width: int, height: int) -> tuple[Pose, ...]:
        """The followed pose first, then anyone else a one-off detection finds."""
        if self._surveyor is None:
            self._surveyor = self._create(
                self._vision.RunningMode.IMAGE, num_poses=2, base_options=self._survey_options,
                detection_confidence=min(self.min_detection_confidence,
                                         SURVEY_DETECTION_CONFIDENCE))
        self._last_survey_t = t_s
        self._others_moved = False
        self.surveys += 1
        result = self._surveyor.detect(image)
        found = [Pose.from_mediapipe(n, w, width, height)
                 for n, w in zip(result.pose_landmarks, result.pose_world_landmarks)]
        followed = pose_centre_px(tracked[0])
        others = tuple(p for p in found if float(np.hypot(*(pose_centre_px(p) - followed)))
                       > SAME_BODY_SHARE_OF_WIDTH * width)
        poses = tracked + others
        if others and select_user(poses, followed, width) != 0:
            self._restart()  # someone else should be followed: let the tracker find them
        return poses

    def _restart(self) -> None:
        self._landmarker.close()
        self._landmarker = self._create(self._vision.RunningMode.VIDEO, num_poses=1)
        self._last_ms = -1
        self._offset_ms = 0
        self._last_centre = None
        self.restarts += 1

    def close(self) -> None:
        for name in ("_landmarker", "_surveyor"):
            landmarker = getattr(self, name, None)
            if landmarker is not None:
                landmarker.close()
                setattr(self, name, None)

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
