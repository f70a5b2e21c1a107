#!/usr/bin/env python3
"""Rebuild models/pose_landmarker_{lite,full,heavy}.task from PyPI (and npm), from scratch.

The MediaPipe Tasks API (``mediapipe.tasks.python.vision.PoseLandmarker``)
needs a ``.task`` bundle: a zip holding ``pose_detector.tflite`` and
``pose_landmarks_detector.tflite``, each carrying TFLite model metadata
(``TFLITE_METADATA``) that tells the Tasks runtime how to normalise the input
image.  The official bundle is served from a model hub we cannot reach, but
the Apache-2.0 BlazePose models themselves ship in the PyPI wheel
``mediapipe==0.10.21`` (for the legacy ``mp.solutions.pose`` API), without
that metadata.  The *lite* and *heavy* landmark models are not in that wheel;
they ship in the npm package ``@mediapipe/pose@0.5.1675469404`` (Apache-2.0,
the JavaScript build of the same legacy solution), whose
``pose_landmark_full.tflite`` is byte-identical to the wheel's: the same
official release.  This script:

1. ``pip download``s the pinned wheels (``mediapipe==0.10.21`` for
   manylinux_2_28_x86_64 / CPython 3.11 -- the same file on every host -- and
   ``flatbuffers==25.12.19``) and checks their SHA-256;
2. extracts ``mediapipe/modules/pose_detection/pose_detection.tflite`` and
   ``mediapipe/modules/pose_landmark/pose_landmark_full.tflite`` (SHA-256
   checked) -- for ``--variant lite`` or ``heavy`` the landmark model is
   ``pose_landmark_{lite,heavy}.tflite`` from the npm tarball instead
   (downloaded with urllib, tarball and member SHA-256 checked) -- plus the
   pure-Python flatbuffers bindings of the TFLite and
   metadata schemas that the same wheel ships
   (``mediapipe/tasks/metadata/{schema,metadata_schema}_py_generated.py``);
3. writes the metadata exactly as mediapipe 0.10.21's
   ``metadata_writers.MetadataWriter`` does (add_general_info,
   add_image_input, add_feature_output per output, populate) -- the result
   is byte-identical to that writer's output, but needs neither mediapipe,
   numpy nor a compiled module, so no throwaway venv is required:
     * detector:  image input, RGB, NormalizationOptions mean 127.5 std 127.5
                  (pixels -> [-1, 1]);
     * landmarks: image input, RGB, NormalizationOptions mean 0 std 255
                  (pixels -> [0, 1]);
     * one FeatureProperties entry per output tensor (2 and 5 outputs);
4. zips both into the ``.task`` (ZIP_STORED, fixed 1980-01-01 timestamps,
   fixed order and attributes, member data 64-byte aligned), so the output is
   byte-for-byte reproducible; prints its SHA-256 and writes
   ``<out>.sha256`` in ``sha256sum`` format.

Usage (any CPython 3.11 with pip; needs only PyPI access)::

    python3 models/build_model.py                 # rebuild the full bundle in place
    python3 models/build_model.py --variant heavy # models/pose_landmarker_heavy.task
    python3 models/build_model.py --verify        # rebuild to a temp file and
                                                  # compare with the committed
                                                  # .sha256; exit 1 on mismatch
    python3 models/build_model.py --verify --variant lite
    python3 models/build_model.py --out /tmp/x.task --wheel-dir ~/wheels

Exit status: 0 on success, 1 on a hash mismatch or a failed build step,
2 on usage errors.  ``--out`` is ignored with ``--verify``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VARIANTS = ("lite", "full", "heavy")


def default_out(variant: str) -> Path:
    return HERE / f"pose_landmarker_{variant}.task"


# --- pinned inputs ---------------------------------------------------------
MP_VERSION = "0.10.21"
MP_WHEEL = f"mediapipe-{MP_VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl"
MP_WHEEL_SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"
FB_VERSION = "25.12.19"
FB_WHEEL = f"flatbuffers-{FB_VERSION}-py2.py3-none-any.whl"
FB_WHEEL_SHA256 = "7634f50c427838bb021c2d66a3d1168e9d199b0607e6329399f04846d42e20b4"

DETECTOR_SRC = "mediapipe/modules/pose_detection/pose_detection.tflite"
DETECTOR_SRC_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
LANDMARKS_SRC = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
LANDMARKS_SRC_SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
SCHEMA_SRC = "mediapipe/tasks/metadata/schema_py_generated.py"
METADATA_SCHEMA_SRC = "mediapipe/tasks/metadata/metadata_schema_py_generated.py"

# The lite and heavy landmark models: npm's @mediapipe/pose, the JavaScript build of
# the same legacy solution (its pose_landmark_full.tflite is byte-identical to the
# wheel's, e9a5c5cb...).  Pinned by the tarball's SHA-256 (the registry publishes
# sha512 integrity DFZsNWTs...xsQ== and sha1 8f81e64c...fc72 for the same bytes).
NPM_VERSION = "0.5.1675469404"
NPM_TARBALL = f"pose-{NPM_VERSION}.tgz"
NPM_TARBALL_URL = f"https://registry.npmjs.org/@mediapipe/pose/-/{NPM_TARBALL}"
NPM_TARBALL_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
NPM_LANDMARKS = {  # variant -> (member of the tarball, its SHA-256)
    "lite": ("package/pose_landmark_lite.tflite",
             "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61"),
    "heavy": ("package/pose_landmark_heavy.tflite",
              "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"),
}

# --- metadata written into each model --------------------------------------
# Same fields MetadataWriter.add_general_info / add_image_input /
# add_feature_output would be given.  The output order is the model's output
# tensor order (Identity, Identity_1, ...), which is what the Tasks graph uses.
SPECS = {
    "pose_detector.tflite": {
        "src": DETECTOR_SRC,
        "name": "BlazePose detector",
        "description": (
            "Detects people (face/body anchor + alignment keypoints) in a "
            "224x224 RGB image. MediaPipe pose_detection.tflite from the "
            f"mediapipe=={MP_VERSION} PyPI wheel, Apache-2.0."),
        "input": {"name": "image", "description": "Input image to be detected.",
                  "mean": [127.5], "std": [127.5]},
        "outputs": [
            ("raw boxes/keypoints",
             "Undecoded person boxes and keypoints, 2254 anchors x 12."),
            ("scores", "Raw scores of the 2254 anchors."),
        ],
    },
    "pose_landmarks_detector.tflite": {
        "src": LANDMARKS_SRC,
        "name": "BlazePose GHUM 3D landmarks (full)",
        "description": (
            "Predicts 33 pose landmarks (+6 auxiliary) on a 256x256 RGB "
            "person crop. MediaPipe pose_landmark_full.tflite from the "
            f"mediapipe=={MP_VERSION} PyPI wheel, Apache-2.0."),
        "input": {"name": "image", "description": "Input image to be detected.",
                  "mean": [0.0], "std": [255.0]},
        "outputs": [
            ("landmarks", "39 landmarks x (x, y, z, visibility, presence)."),
            ("pose presence", "Pose presence score (logit)."),
            ("segmentation mask", "256x256 person segmentation (logits)."),
            ("heatmap", "64x64x39 landmark heatmaps."),
            ("world landmarks", "39 world landmarks x (x, y, z), metres."),
        ],
    },
}
MEMBER_ORDER = ["pose_detector.tflite", "pose_landmarks_detector.tflite"]


def landmarks_spec(variant: str) -> dict:
    """SPECS' landmark entry for a variant; "full" is SPECS' own, unchanged (its bytes
    are pinned by the committed .sha256)."""
    spec = SPECS["pose_landmarks_detector.tflite"]
    if variant == "full":
        return spec
    src = NPM_LANDMARKS[variant][0]
    return {**spec, "src": src,
            "name": f"BlazePose GHUM 3D landmarks ({variant})",
            "description": (
                "Predicts 33 pose landmarks (+6 auxiliary) on a 256x256 RGB "
                f"person crop. MediaPipe pose_landmark_{variant}.tflite from the "
                f"@mediapipe/pose@{NPM_VERSION} npm package, Apache-2.0.")}

# What mediapipe 0.10.21's _pywrap_metadata_version computes for the metadata
# above (image + normalization + feature outputs only): the oldest parser.
MIN_PARSER_VERSION = "1.0.0"
METADATA_FILE_IDENTIFIER = b"M001"
TFLITE_FILE_IDENTIFIER = b"TFL3"
METADATA_FIELD_NAME = "TFLITE_METADATA"

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_ALIGN = 64
ALIGN_EXTRA_ID = 0xD935  # Android zipalign's extra-field id; ignored by unzip


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_wheel(spec: str, filename: str, sha: str, wheel_dir: Path,
                extra: list[str]) -> Path:
    """pip download one pinned wheel (unless already there) and check it."""
    path = wheel_dir / filename
    if not path.exists():
        cmd = [sys.executable, "-m", "pip", "download", spec, "--no-deps",
               "--only-binary=:all:", "--disable-pip-version-check",
               "-d", str(wheel_dir), *extra]
        print("+", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)
    got = sha256_file(path)
    if got != sha:
        raise SystemExit(f"{path}: SHA-256 {got}, expected {sha}")
    return path


def fetch_npm_tarball(download_dir: Path) -> Path:
    """Download the pinned npm tarball (unless already there) and check it."""
    path = download_dir / NPM_TARBALL
    if not path.exists():
        print("+ GET", NPM_TARBALL_URL, flush=True)
        tmp = path.with_name(path.name + ".part")
        with urllib.request.urlopen(NPM_TARBALL_URL, timeout=120) as response, \
                open(tmp, "wb") as f:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                f.write(chunk)
        os.replace(tmp, path)
    got = sha256_file(path)
    if got != NPM_TARBALL_SHA256:
        raise SystemExit(f"{path}: SHA-256 {got}, expected {NPM_TARBALL_SHA256}")
    return path


def npm_landmarks(variant: str, download_dir: Path) -> bytes:
    member, want = NPM_LANDMARKS[variant]
    with tarfile.open(fetch_npm_tarball(download_dir), "r:gz") as tar:
        f = tar.extractfile(member)
        if f is None:
            raise SystemExit(f"{NPM_TARBALL}: no {member}")
        data = f.read()
    if sha256_bytes(data) != want:
        raise SystemExit(f"{member}: unexpected SHA-256")
    return data


def load_schemas(mp_wheel: zipfile.ZipFile, fb_wheel: Path, work: Path):
    """Import flatbuffers (pinned wheel) and the wheel's generated schemas.

    The generated modules depend only on ``flatbuffers``; they are imported
    as top-level modules so no ``mediapipe`` package is imported at all.
    ``flatbuffers.compat`` uses numpy when it is importable; the bytes written
    are the same either way (checked), it is only faster.
    """
    gen = work / "gen"
    gen.mkdir(exist_ok=True)
    for src, dst in ((SCHEMA_SRC, "mp_tflite_schema.py"),
                     (METADATA_SCHEMA_SRC, "mp_metadata_schema.py")):
        (gen / dst).write_bytes(mp_wheel.read(src))
    for p in (str(gen), str(fb_wheel)):
        sys.path.insert(0, p)
    if "flatbuffers" in sys.modules:
        raise SystemExit("flatbuffers was imported before the pinned wheel")
    fb = importlib.import_module("flatbuffers")
    if fb.__version__ != FB_VERSION:
        raise SystemExit(f"imported flatbuffers {fb.__version__}, expected {FB_VERSION}")
    return (fb, importlib.import_module("mp_tflite_schema"),
            importlib.import_module("mp_metadata_schema"))


def tensor_names(schema_fb, model_buf: bytes):
    """(input names, output names, input tensor types) of subgraph 0."""
    g = schema_fb.Model.GetRootAsModel(model_buf, 0).Subgraphs(0)
    ins = [g.Tensors(g.Inputs(i)) for i in range(g.InputsLength())]
    outs = [g.Tensors(g.Outputs(i)) for i in range(g.OutputsLength())]
    return ([t.Name().decode() for t in ins], [t.Name().decode() for t in outs],
            [t.Type() for t in ins])


def metadata_buffer(fb, schema_fb, md_fb, model_buf: bytes, spec: dict) -> bytes:
    """The TFLITE_METADATA flatbuffer, as metadata_writers builds it."""
    in_names, out_names, in_types = tensor_names(schema_fb, model_buf)
    if len(in_names) != 1 or len(out_names) != len(spec["outputs"]):
        raise SystemExit(f"{spec['src']}: unexpected inputs {in_names} / "
                         f"outputs {out_names}")
    if in_types[0] != schema_fb.TensorType.FLOAT32:
        raise SystemExit(f"{spec['src']}: input is not float32")

    # metadata_info.InputImageTensorMd.create_metadata()
    inp = spec["input"]
    image = md_fb.TensorMetadataT()
    image.name = inp["name"]
    image.description = inp["description"]
    image.stats = md_fb.StatsT()
    image.stats.max = [float(255.0 - m) / s for m, s in zip(inp["mean"], inp["std"])]
    image.stats.min = [float(0.0 - m) / s for m, s in zip(inp["mean"], inp["std"])]
    image.content = md_fb.ContentT()
    image.content.contentProperties = md_fb.ImagePropertiesT()
    image.content.contentPropertiesType = md_fb.ContentProperties.ImageProperties
    image.content.contentProperties.colorSpace = md_fb.ColorSpaceType.RGB
    norm = md_fb.ProcessUnitT()
    norm.optionsType = md_fb.ProcessUnitOptions.NormalizationOptions
    norm.options = md_fb.NormalizationOptionsT()
    norm.options.mean = inp["mean"]
    norm.options.std = inp["std"]
    image.processUnits = [norm]

    # metadata_info.TensorMd.create_metadata() (add_feature_output)
    outputs = []
    for name, description in spec["outputs"]:
        t = md_fb.TensorMetadataT()
        t.name, t.description = name, description
        t.stats = md_fb.StatsT()
        t.stats.max = t.stats.min = None
        t.content = md_fb.ContentT()
        t.content.contentProperties = md_fb.FeaturePropertiesT()
        t.content.contentPropertiesType = md_fb.ContentProperties.FeatureProperties
        outputs.append(t)

    subgraph = md_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image]
    subgraph.outputTensorMetadata = outputs

    # metadata_info.GeneralMd.create_metadata()
    model_md = md_fb.ModelMetadataT()
    model_md.name = spec["name"]
    model_md.description = spec["description"]
    model_md.subgraphMetadata = [subgraph]

    # metadata_writer._create_metadata_buffer(), then
    # MetadataPopulator.load_metadata_buffer() re-packs it with the version.
    b = fb.Builder(0)
    b.Finish(model_md.Pack(b), METADATA_FILE_IDENTIFIER)
    model_md = md_fb.ModelMetadataT.InitFromObj(
        md_fb.ModelMetadata.GetRootAsModelMetadata(b.Output(), 0))
    model_md.minParserVersion = MIN_PARSER_VERSION
    b = fb.Builder(0)
    b.Finish(model_md.Pack(b), METADATA_FILE_IDENTIFIER)
    return bytes(b.Output())


def populate(fb, schema_fb, model_buf: bytes, md_buf: bytes) -> bytes:
    """MetadataPopulator.populate() with no associated files."""
    model = schema_fb.ModelT.InitFromObj(schema_fb.Model.GetRootAsModel(model_buf, 0))
    buffer_field = schema_fb.BufferT()
    buffer_field.data = md_buf
    done = False
    model.metadata = model.metadata or []
    for meta in model.metadata:  # replace an existing TFLITE_METADATA
        if meta.name.decode("utf-8") == METADATA_FIELD_NAME:
            model.buffers[meta.buffer] = buffer_field
            done = True
    if not done:
        model.buffers = model.buffers or []
        model.buffers.append(buffer_field)
        field = schema_fb.MetadataT()
        field.name = METADATA_FIELD_NAME
        field.buffer = len(model.buffers) - 1
        model.metadata.append(field)
    b = fb.Builder(0)
    b.Finish(model.Pack(b), TFLITE_FILE_IDENTIFIER)
    # _populate_associated_files() opens the model as a zip in append mode
    # even with nothing to add, which appends an empty zip directory; kept
    # so the bytes match the official writer's.
    out = io.BytesIO(bytes(b.Output()))
    out.seek(0, io.SEEK_END)
    with zipfile.ZipFile(out, "a"):
        pass
    return out.getvalue()


def write_task(members: dict[str, bytes], out: Path) -> None:
    """Deterministic ZIP_STORED archive with 64-byte aligned member data."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in MEMBER_ORDER:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the host
            info.external_attr = 0o100644 << 16
            # Data starts after the 30-byte local header, the name and the
            # extra field; pad the extra field (id, size, zeros) to align it.
            start = buf.tell() + 30 + len(name.encode()) + 4
            pad = -start % ZIP_ALIGN
            info.extra = (ALIGN_EXTRA_ID.to_bytes(2, "little")
                          + pad.to_bytes(2, "little") + bytes(pad))
            zf.writestr(info, members[name])
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # sanity + alignment check
        for info in zf.infolist():
            off = info.header_offset + 30 + len(info.filename) + len(info.extra)
            if off % ZIP_ALIGN or data[off:off + 8][4:8] != TFLITE_FILE_IDENTIFIER:
                raise SystemExit(f"{info.filename}: bad data offset {off}")
            if zf.read(info.filename) != members[info.filename]:
                raise SystemExit(f"{info.filename}: round-trip mismatch")
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)


def build(out: Path, wheel_dir: Path, work: Path, variant: str = "full") -> str:
    wheel_dir.mkdir(parents=True, exist_ok=True)
    mp_whl = fetch_wheel(
        f"mediapipe=={MP_VERSION}", MP_WHEEL, MP_WHEEL_SHA256, wheel_dir,
        ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
         "--implementation", "cp", "--abi", "cp311"])
    fb_whl = fetch_wheel(f"flatbuffers=={FB_VERSION}", FB_WHEEL,
                         FB_WHEEL_SHA256, wheel_dir, [])
    with zipfile.ZipFile(mp_whl) as wz:
        fb, schema_fb, md_fb = load_schemas(wz, fb_whl, work)
        members = {}
        for member in MEMBER_ORDER:
            spec = SPECS[member]
            if member == "pose_landmarks_detector.tflite" and variant != "full":
                spec = landmarks_spec(variant)
                src = npm_landmarks(variant, wheel_dir)  # SHA-256 checked there
            else:
                src = wz.read(spec["src"])
                want = (DETECTOR_SRC_SHA256 if spec["src"] == DETECTOR_SRC
                        else LANDMARKS_SRC_SHA256)
                if sha256_bytes(src) != want:
                    raise SystemExit(f"{spec['src']}: unexpected SHA-256")
            md = metadata_buffer(fb, schema_fb, md_fb, src, spec)
            members[member] = populate(fb, schema_fb, src, md)
            print(f"{member}: {spec['src']} ({len(src)} B) + metadata "
                  f"-> {len(members[member])} B, sha256 "
                  f"{sha256_bytes(members[member])}")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_task(members, out)
    return sha256_file(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Rebuild pose_landmarker_<variant>.task (MediaPipe Tasks "
                    "PoseLandmarker bundle) from the mediapipe==0.10.21 PyPI "
                    "wheel (and, for lite and heavy, the @mediapipe/pose npm "
                    "tarball), deterministically.",
        epilog="Needs PyPI access (pip download), and registry.npmjs.org for "
               "lite and heavy. Output is byte-reproducible; see models/README.md.")
    ap.add_argument("--variant", choices=VARIANTS, default="full",
                    help="which landmark model: lite (fastest), full (the default "
                         "bundle) or heavy (largest); default: full")
    ap.add_argument("--out", type=Path, default=None,
                    help="output .task path (default: pose_landmarker_<variant>.task "
                         "next to this script); "
                         "<out>.sha256 is written next to it")
    ap.add_argument("--wheel-dir", type=Path, default=None,
                    help="where to download/cache the wheels and the npm tarball "
                         "(default: a temporary directory)")
    ap.add_argument("--verify", action="store_true",
                    help="build into a temporary file and compare its SHA-256 "
                         "with the committed pose_landmarker_<variant>.task.sha256 "
                         "(and the .task beside it if present); writes nothing")
    args = ap.parse_args(argv)
    committed = default_out(args.variant)

    with tempfile.TemporaryDirectory(prefix="pose_task_build_") as tmp:
        work = Path(tmp)
        wheel_dir = args.wheel_dir or work / "wheels"
        out = (work / committed.name if args.verify
               else (args.out or committed).resolve())
        digest = build(out, wheel_dir, work, args.variant)
        line = f"{digest}  {out.name}"
        print(line)
        if args.verify:
            want = (committed.parent / (committed.name + ".sha256")).read_text().split()[0]
            ok = digest == want
            if committed.exists():
                ok = ok and sha256_file(committed) == want
            print("verify:", "OK, identical to the committed bundle" if ok
                  else f"MISMATCH (committed {want})")
            return 0 if ok else 1
        (out.parent / (out.name + ".sha256")).write_text(line + "\n")
        print(f"wrote {out} and {out.name}.sha256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
