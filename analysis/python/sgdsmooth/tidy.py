"""A result file as one tidy pandas table (pandas is imported only here, on use).

    import sgdsmooth
    table = sgdsmooth.tidy("run.h5")   # one row per (experiment, step); sweeps add point and axis columns
    table = sgdsmooth.tidy("train.h5")  # one row per (run, epoch, replica)
"""
from __future__ import annotations

import numpy as np

from .reader import Experiment, ResultFile


def _experiment_rows(exp: Experiment) -> dict:
    """Columns of one experiment, one row per checkpoint: every scalar series' mean, SE and count,
    and every per-checkpoint dataset (eta, batch, delta, success_rate, ...)."""
    k = len(exp.step)
    columns = {"experiment": [exp.name] * k, "step": np.asarray(exp.step), "diverged": np.asarray(exp.diverged)}
    for name, series in exp.series.items():
        if np.ndim(series.mean) != 1:
            continue  # vector series (x, omega): per coordinate, read them from the Experiment
        columns[f"{name}_mean"], columns[f"{name}_se"], columns[f"{name}_count"] = series.mean, series.se, series.count
    for name, values in exp.extra.items():
        if np.ndim(values) == 1 and len(values) == k and np.asarray(values).dtype.kind in "fiu":
            columns[name] = values
    return columns


def tidy(filename: str):
    """The experiments (or network runs, or a merged sweep's points) of a result file as a pandas DataFrame."""
    import pandas as pd

    frames = []
    with ResultFile(filename) as result:
        for exp in result.experiments().values():
            frames.append(pd.DataFrame(_experiment_rows(exp)))
        if result.has_sweep():
            table = result.sweep_table()
            axes = result.sweep_axes()
            for i, point in enumerate(table["point"]):
                if not table["completed"][i]:
                    continue
                for name in result.point_experiment_names():
                    frame = pd.DataFrame(_experiment_rows(result.point_experiment(int(point), name)))
                    frame.insert(0, "point", int(point))
                    frame.insert(1, "replicate", int(table["replicate"][i]))
                    for axis in axes:
                        frame[axis] = table[axis][i]
                    frames.append(frame)
        for name, group in result.networks().items():
            if name == "correlations" or "epoch" not in group.arrays:
                continue
            epoch = np.asarray(group.arrays["epoch"])
            per_replica = {k: np.asarray(v, float) for k, v in group.arrays.items()
                           if np.ndim(v) == 2 and np.shape(v)[0] == len(epoch)}
            replicas = int(group.attributes.get("replicas", next(iter(per_replica.values())).shape[1]))
            columns = {"run": [name] * (len(epoch) * replicas), "epoch": np.repeat(epoch, replicas),
                       "replica": np.tile(np.arange(replicas), len(epoch))}
            for key in ("steps", "eta", "batch", "smith_g"):
                if key in group.arrays:
                    columns[key] = np.repeat(np.asarray(group.arrays[key]), replicas)
            for key, values in per_replica.items():
                columns[key] = values.reshape(-1)
            frames.append(pd.DataFrame(columns))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
