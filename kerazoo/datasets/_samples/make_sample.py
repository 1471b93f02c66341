"""Writes fashion_mnist_test_1000.npz: the first 1,000 Fashion-MNIST test images.

Run from a clone with a copy of Fashion-MNIST (see kerazoo.datasets.load_fashion_mnist):

    python kerazoo/datasets/_samples/make_sample.py [--data-dir DIR]

The npz holds ``x``, uint8 (1000, 28, 28), the pixels exactly as in the IDX file, and
``y``, uint8 (1000,), the class ids; compressed (np.savez_compressed).
"""

import argparse
import io
from pathlib import Path

import numpy as np

from kerazoo.datasets._lookup import locate
from kerazoo.datasets._mnist_format import OFFICIAL_FILES
from kerazoo.datasets.fashion_mnist import SAMPLE_FILE, SPEC
from kerazoo.datasets.idx import read_idx
from kerazoo.utils.io import atomic_write_bytes

N_SAMPLE = 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="a folder holding t10k-*-ubyte.gz")
    parser.add_argument("--out", default=str(Path(__file__).with_name(SAMPLE_FILE)))
    args = parser.parse_args(argv)

    names = OFFICIAL_FILES["test"]
    paths = locate(SPEC, [(n + ".gz", n) for n in names], args.data_dir)
    if paths is None:
        raise SystemExit("No local copy of the Fashion-MNIST test files was found.")
    x = np.ascontiguousarray(read_idx(paths[names[0] + ".gz"])[:N_SAMPLE])
    y = np.ascontiguousarray(read_idx(paths[names[1] + ".gz"])[:N_SAMPLE])
    buf = io.BytesIO()
    np.savez_compressed(buf, x=x, y=y)
    atomic_write_bytes(args.out, buf.getvalue())
    print(f"wrote {args.out}: x {x.shape} {x.dtype}, y {y.shape} {y.dtype}, "
          f"{len(buf.getvalue())} bytes")


if __name__ == "__main__":
    main()
