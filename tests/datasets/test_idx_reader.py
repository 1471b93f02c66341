import gzip
import os
import struct

import numpy as np
import pytest

from kerazoo.datasets import DatasetIntegrityError
from kerazoo.datasets.idx import read_idx

TYPE_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
              np.float32: 0x0D, np.float64: 0x0E}


def write_idx(path, arr, compress=False):
    arr = np.asarray(arr)
    header = bytes([0, 0, TYPE_CODES[arr.dtype.type], arr.ndim])
    header += struct.pack(f">{arr.ndim}I", *arr.shape)
    data = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.mark.parametrize("dtype", list(TYPE_CODES))
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_every_type(tmp_path, dtype, compress):
    rng = np.random.default_rng(0)
    arr = (rng.normal(size=(3, 4, 5)) * 50).astype(dtype)
    out = read_idx(write_idx(tmp_path / "a.idx", arr, compress))
    assert out.dtype == np.dtype(dtype).newbyteorder("=")
    assert out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_real_fashion_mnist_header(fashion_dir):
    x = read_idx(fashion_dir / "t10k-images-idx3-ubyte.gz")
    y = read_idx(fashion_dir / "t10k-labels-idx1-ubyte.gz")
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,) and y.dtype == np.uint8
    assert x.max() == 255 and x.min() == 0


def test_cached_read_only_and_reread_when_replaced(tmp_path):
    path = write_idx(tmp_path / "a.idx", np.arange(6, dtype=np.uint8).reshape(2, 3))
    a, b = read_idx(path), read_idx(path)
    assert a is b
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0, 0] = 7
    write_idx(path, np.full((2, 3), 9, np.uint8))
    os.utime(path, ns=(1, 1))  # a different mtime, as any rewrite would give
    np.testing.assert_array_equal(read_idx(path), np.full((2, 3), 9))


def test_bad_magic_names_file(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x01\x00")
    with pytest.raises(DatasetIntegrityError, match="bad.idx is not an IDX file.*01 02 08 01"):
        read_idx(path)


def test_truncated_data_names_file_and_sizes(tmp_path):
    path = write_idx(tmp_path / "short.idx", np.zeros((4, 5), np.int32))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(DatasetIntegrityError, match=r"short.idx.*\(4, 5\).*80 bytes.*77 bytes"):
        read_idx(path)


def test_corrupt_gzip_names_file(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02ab")[:-6])
    with pytest.raises(DatasetIntegrityError, match="broken.gz is not a readable gzip"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.idx")


def test_corrupted_deflate_stream_names_the_file(tmp_path):
    # issue 31, F7: a damaged gzip *stream* (not its header or CRC) raised zlib.error, naming
    # no file.
    path = write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((4, 28, 28), np.uint8),
                     compress=True)
    data = bytearray(path.read_bytes())
    data[10] = 0xFF  # the first deflate block: type 3 does not exist ("invalid block type")
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetIntegrityError, match=r"train-images-idx3-ubyte.gz is not a readable gzip file"):
        read_idx(path)
