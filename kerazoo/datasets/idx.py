"""A reader for the IDX files of MNIST and Fashion-MNIST.

The IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/) is a header, then the
raw array in C order:

    bytes 0-1   zero
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64 (multi-byte types are big-endian)
    byte  3     number of dimensions d
    4 * d bytes the size of each dimension, big-endian uint32
    then        prod(sizes) elements

Files may be gzip-compressed (``*.gz``, as distributed); the reader tells by the gzip magic
bytes, not by the name.
"""

import functools
import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from kerazoo.datasets._lookup import DatasetIntegrityError

_IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path):
    """Reads an IDX file (plain or gzip-compressed) into a numpy array.

    Decoded files are cached per resolved path, size and modification time, so reading
    the same file again in one process costs nothing. The array returned is that cached
    array: it is **read-only** and shared between callers; copy it before changing it.
    Multi-byte element types come back in native byte order.

    Raises:
        FileNotFoundError: the file does not exist.
        DatasetIntegrityError (a ValueError): the file is not a well-formed IDX file
            (bad magic number, unknown element type, truncated or overlong data); the
            message names the file.
    """
    path = Path(path).resolve()
    stat = os.stat(path)
    return _read_idx_cached(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _read_idx_cached(path, size, mtime_ns):
    del size, mtime_ns  # Only part of the cache key: a replaced file is read again.
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:  # header, truncation, bad stream
            raise DatasetIntegrityError(
                f"{path} is not a readable gzip file ({e}); the copy may be truncated or "
                "corrupted: replace it."
            ) from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise DatasetIntegrityError(
            f"{path} is not an IDX file: expected a header 00 00 <type> <ndim> with type "
            f"in {sorted(hex(t) for t in _IDX_DTYPES)}. Received: header "
            f"{data[:4].hex(' ') or '(empty file)'}"
        )
    dtype = _IDX_DTYPES[data[2]]
    ndim = data[3]
    offset = 4 + 4 * ndim
    if len(data) < offset:
        raise DatasetIntegrityError(f"{path} is truncated inside its IDX header.")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - offset != expected:
        raise DatasetIntegrityError(
            f"{path}: its IDX header announces shape {shape} of {dtype.name} "
            f"({expected} bytes of data) but the file holds {len(data) - offset} bytes "
            "of data; the copy may be truncated or corrupted: replace it."
        )
    arr = np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)
    arr = arr.astype(dtype.newbyteorder("="), copy=False)
    arr.flags.writeable = False
    return arr
