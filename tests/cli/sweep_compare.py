"""Compare two sgdsmooth result files object by object with h5py (an independent reader).

Identical means: the same groups and datasets; every dataset with the same dtype, shape and raw
bytes, and the same dimension scales attached; every attribute equal, except the provenance
attributes that record when, where and how a file was made: created, command_line, device,
computed_by. Usage: sweep_compare.py A.h5 B.h5 (exit 0 identical, 1 different).
"""
import sys

import h5py
import numpy as np

PROVENANCE = {"created", "command_line", "device", "computed_by"}
REFERENCES = {"DIMENSION_LIST", "REFERENCE_LIST"}  # compared through the dims API instead


def describe(f):
    objects = {}

    def visit(name, obj):
        objects[name] = obj

    f.visititems(visit)
    objects["/"] = f
    return objects


def attributes(obj):
    out = {}
    for key in obj.attrs:
        if key in PROVENANCE or key in REFERENCES:
            continue
        value = obj.attrs[key]
        out[key] = value.tobytes() if isinstance(value, np.ndarray) and value.dtype.kind != "O" else repr(value)
    return out


def scales(dataset):
    return [[s.name for s in dim.values()] for dim in dataset.dims]


def main(a_name, b_name):
    problems = []
    with h5py.File(a_name, "r") as a, h5py.File(b_name, "r") as b:
        oa, ob = describe(a), describe(b)
        for name in sorted(set(oa) ^ set(ob)):
            problems.append(f"{name}: only in {'A' if name in oa else 'B'}")
        for name in sorted(set(oa) & set(ob)):
            x, y = oa[name], ob[name]
            if type(x) is not type(y):
                problems.append(f"{name}: group in one, dataset in the other")
                continue
            ax, ay = attributes(x), attributes(y)
            for key in sorted(set(ax) | set(ay)):
                if ax.get(key) != ay.get(key):
                    problems.append(f"{name}@{key}: {ax.get(key)!r} != {ay.get(key)!r}")
            if isinstance(x, h5py.Dataset):
                if x.dtype != y.dtype or x.shape != y.shape:
                    problems.append(f"{name}: {x.dtype}{x.shape} != {y.dtype}{y.shape}")
                elif x.dtype.kind == "O":
                    if list(x[()]) != list(y[()]):
                        problems.append(f"{name}: strings differ")
                elif x[()].tobytes() != y[()].tobytes():
                    problems.append(f"{name}: data differ")
                if scales(x) != scales(y):
                    problems.append(f"{name}: dimension scales {scales(x)} != {scales(y)}")
        count = len(oa)
    for p in problems[:20]:
        print("DIFF", p)
    if problems:
        print(f"{len(problems)} differences between {a_name} and {b_name}")
        return 1
    print(f"identical: {count} objects ({a_name} vs {b_name}; provenance attributes {sorted(PROVENANCE)} excluded)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
