"""A model, read and parsed once, and the one resolver of model names.

`resolve_model` turns what a user types (`hil run --model`, Robot's `Load Model`,
`hil bench`'s model list) into a `Model`: a path, a file name in ../shared/models,
an MLPerf Tiny short name (vww, kws, ic, ad: the real model where ../shared/models
has it, else the generated stand-in of the same topology) or any generated model's
name.  The compiler and the TFLM reference both take the `Model`, so the file is
read once and parsed once per run."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ModelError
from ..paths import MODELS_DIR, SHARED_MODELS_DIR
from .tflite import Graph, load_graph

GENERATED_MODELS_DIR = MODELS_DIR / "generated"


@dataclass
class Model:
    data: bytes
    name: str                      # the plan's and the results' name: the file's stem
    origin: str = "the given bytes"  # why this file: "the real MLPerf Tiny model", ...
    path: Path | None = None
    _graph: Graph | None = field(default=None, repr=False)

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = load_graph(self.data, label=str(self.path) if self.path else self.name)
        return self._graph

    @property
    def label(self) -> str:
        return str(self.path) if self.path else self.name

    @classmethod
    def from_file(cls, path: Path, origin: str = "the given file") -> Model:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model {path}: {exc.strerror}") from None
        return cls(data, Path(path).stem, origin, Path(path))

    @classmethod
    def of(cls, model, name: str | None = None) -> Model:
        """A Model from a Model, bytes, or a path (no name resolution: see resolve_model)."""
        if isinstance(model, Model):
            return model
        if isinstance(model, (bytes, bytearray)):
            return cls(bytes(model), name or "model")
        loaded = cls.from_file(Path(model))
        if name:
            loaded.name = name
        return loaded


def resolve_model(spec) -> Model:
    """A model name or path (or a Model, or bytes) -> the Model to use; see the module doc."""
    from ..modelgen.generate import all_generators
    from ..modelgen.mlperf import REAL_MODEL_FILES

    if isinstance(spec, (Model, bytes, bytearray)):
        return Model.of(spec)
    spec = str(spec)
    given = Path(spec).expanduser()
    if given.is_file():
        return Model.from_file(given.resolve())
    if given.suffix == ".tflite" and (SHARED_MODELS_DIR / spec).is_file():
        return Model.from_file(SHARED_MODELS_DIR / spec, "a reference model")
    if spec in REAL_MODEL_FILES:
        real = SHARED_MODELS_DIR / REAL_MODEL_FILES[spec]
        if real.is_file():
            return Model.from_file(real, "the real MLPerf Tiny model")
        return Model.from_file(generated_model(spec),
                               f"the generated stand-in for {real.name} ({real} is not present)")
    if spec in all_generators():
        return Model.from_file(generated_model(spec), "a generated model")
    if given.suffix == ".tflite" or given.parent != Path("."):
        raise ModelError(f"cannot read model {spec}: No such file or directory")
    raise ModelError(f"no model '{spec}': give a .tflite path, a file in {SHARED_MODELS_DIR}, "
                     f"or a generated model's name ({', '.join(list(REAL_MODEL_FILES))}, "
                     "or one of `python -m hil.modelgen --list`)")


def generated_model(name: str) -> Path:
    """The generated model `name`, written into models/generated/ if missing or stale."""
    from ..modelgen.generate import generate_all
    # Always through the generator (about a second): a file from an older generator is
    # rewritten, a current one left alone.  Writes are atomic, so parallel suites do not collide.
    generate_all(GENERATED_MODELS_DIR, only=[name])
    return GENERATED_MODELS_DIR / f"{name}.tflite"
