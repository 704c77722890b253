"""Run the sgdsmooth binary from notebooks: find it, and produce (or reuse) the result file a notebook reads.

A notebook calls result_file("SGDS_NB07_RESULTS", "nb07_checks.h5", ["check", "--quick", ...]):
if the environment variable names a file, that file is read (e.g. a flagship run); otherwise the
command is run (small and fast; every execution regenerates it, so it always matches the code)
into the output folder ($SGDS_NOTEBOOK_OUT, default results/notebooks under the source tree) and
its file is returned.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("SGDS_SOURCE_DIR") or PACKAGE_DIR.parents[2])


def binary() -> str:
    """$SGDS_BIN, else build*/sgdsmooth under the source tree, else sgdsmooth on PATH."""
    if os.environ.get("SGDS_BIN"):
        return os.environ["SGDS_BIN"]
    for candidate in [SOURCE_DIR / "build" / "sgdsmooth", *sorted(SOURCE_DIR.glob("build*/sgdsmooth"))]:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("sgdsmooth")
    if found:
        return found
    raise FileNotFoundError("no sgdsmooth binary: build it (cmake --build build) or set SGDS_BIN")


def output_dir() -> Path:
    path = Path(os.environ.get("SGDS_NOTEBOOK_OUT") or SOURCE_DIR / "results" / "notebooks")
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(args: Sequence[str], quiet: bool = True) -> str:
    """Run `sgdsmooth ARGS...`; raise with its stderr if it fails. Returns its stdout."""
    command = [binary(), *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")
    if not quiet:
        print(done.stdout)
    return done.stdout


def result_file(env_var: str, filename: str, args: Sequence[str]) -> str:
    """The file named by $env_var, or the file `sgdsmooth ARGS -o OUT/filename` writes (rerun each time)."""
    given = os.environ.get(env_var)
    if given:
        if not Path(given).is_file():
            raise FileNotFoundError(f"${env_var} = {given!r} is not a file")
        return given
    path = output_dir() / filename
    run([*args, "-o", str(path)])
    return str(path)


def write_config(filename: str, text: str) -> str:
    """Write a TOML config into the output folder (so the run that reads it is reproducible)."""
    path = output_dir() / filename
    path.write_text(text)
    return str(path)
