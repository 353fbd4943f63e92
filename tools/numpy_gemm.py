#!/usr/bin/env python3
"""float32 matrix products with NumPy's BLAS (OpenBLAS on Debian/pyenv NumPy), on the shapes of GemmBench.

    python3 tools/numpy_gemm.py [--threads 2]

Prints one line per shape: milliseconds per product (median of 20 after 3 warm-ups) and GFLOP/s.
Set OPENBLAS_NUM_THREADS before NumPy loads (done here from --threads). Leave OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset to get OpenBLAS's own kernel choice for the CPU.
"""
import argparse
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
args = ap.parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
os.environ["OMP_NUM_THREADS"] = str(args.threads)
import numpy as np  # noqa: E402  (after the thread settings)

SHAPES = ["1024x1024x1024", "2048x2048x2048", "6272x384x128", "6272x512x128", "6272x128x512", "128x512x6272t"]
rng = np.random.default_rng(1)
for shape in SHAPES:
    trans = shape.endswith("t")
    m, n, k = (int(v) for v in shape.rstrip("t").split("x"))
    a = rng.standard_normal((k, m) if trans else (m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    op_a = a.T if trans else a
    for _ in range(3):
        op_a @ b
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        op_a @ b
        times.append(time.perf_counter() - t0)
    ms = sorted(times)[len(times) // 2] * 1e3
    print(f"{shape:>16}  {ms:9.3f} ms  {2 * m * n * k / ms / 1e6:7.1f} GFLOP/s")
np.show_config() if "--config" in sys.argv else None
