"""Writes the .npy fixtures of NpyTest with NumPy's own writer (np.save, np.lib.format.write_array).

Run from this folder: python3 make_fixtures.py (NumPy 2.4.6 wrote the committed files).
"""
import numpy as np

values = np.array([0.5, -1.25, 1e300, np.inf, 1.0 / 3.0])
np.save("f8.npy", values)                                                  # (5,) float64, format 1.0
np.save("f4_column.npy", values[[0, 1, 4]].astype(np.float32).reshape(3, 1))  # (3, 1) float32
with open("f8_v2.npy", "wb") as f:                                         # format 2.0: 4-byte header length
    np.lib.format.write_array(f, values, version=(2, 0))
np.save("i8.npy", np.arange(3, dtype=np.int64))                           # a dtype the reader refuses
np.save("fortran.npy", np.asfortranarray(np.arange(6.0).reshape(2, 3)))   # Fortran order, refused
np.save("be.npy", values.astype(">f8"))                                    # big-endian, refused
