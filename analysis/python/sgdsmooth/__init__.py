"""Read sgdsmooth result files and draw their figures.

    import sgdsmooth
    result = sgdsmooth.open_result("tracer.h5")   # refuses other files and schema majors
    exp = result.experiment("quadratic_sgd")
    exp.series["f"].mean, exp.series["f"].se, exp.series["f"].count, exp.step

    table = sgdsmooth.tidy("tracer.h5")           # a pandas table (python3-pandas), one row per step

Runs with Debian's python3 and numpy, h5py, matplotlib, scipy; pandas only for tidy(). Every axis
has a named dimension scale, so xarray.open_dataset(file, group="experiments/NAME") works as well.
"""
from .reader import (
    FILETYPE,
    SCHEMA_MAJOR,
    Check,
    Experiment,
    LabelledGroup,
    ResultFile,
    ResultFileError,
    Series,
    open_result,
)
from . import stats
from .tidy import tidy

__all__ = [
    "FILETYPE", "SCHEMA_MAJOR", "Check", "Experiment", "LabelledGroup", "ResultFile",
    "ResultFileError", "Series", "open_result", "stats", "tidy",
]
