"""Read sgdsmooth result files and draw their figures.

    import sgdsmooth
    result = sgdsmooth.open_result("tracer.h5")   # refuses other files and schema majors
    exp = result.experiment("quadratic_sgd")
    exp.series["f"].mean, exp.series["f"].se, exp.series["f"].count, exp.step

Runs with Debian's python3 and numpy, h5py, matplotlib, scipy (no pandas, no xarray).
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

__all__ = [
    "FILETYPE", "SCHEMA_MAJOR", "Check", "Experiment", "LabelledGroup", "ResultFile",
    "ResultFileError", "Series", "open_result", "stats",
]
