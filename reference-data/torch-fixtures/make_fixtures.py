#!/usr/bin/python3
"""Writes the small PyTorch checkpoints that TorchCheckpointTest reads, and expected.json.

Run from anywhere with the Python that has torch (here: /usr/bin/python3, torch 1.13):

    /usr/bin/python3 reference-data/torch-fixtures/make_fixtures.py

The files go next to this script. Values are drawn after torch.manual_seed(20261130), so every rerun
writes the same tensors and, apart from legacy.pth (whose storage keys are memory addresses), the same
bytes. The hostile fixtures are only written, never loaded: nothing in them is executed here.
"""
import collections
import hashlib
import io
import json
import math
import os
import pickletools
import subprocess
import sys
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261130
PWNED = "/tmp/tarflow-pwned"

FILE_DTYPE = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
              torch.bfloat16: "BF16", torch.int64: "I64"}


def path(name):
    return os.path.join(HERE, name)


def floats_of(t):
    """The tensor's values as nested lists of exact Python numbers (float16/bfloat16 widen exactly)."""
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.to(torch.float64)  # exact: every float16/bfloat16 value is a float64
    return t.tolist()


def jsonable(v):
    """Non-finite floats become the strings "NaN", "Infinity", "-Infinity" (strict JSON has no such numbers)."""
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def describe(sd):
    return {k: {"shape": list(t.shape), "stride": list(t.stride()), "storage_offset": t.storage_offset(),
                "contiguous": t.is_contiguous(), "dtype": FILE_DTYPE[t.dtype],
                "values": jsonable(floats_of(t.detach()))}
            for k, t in sd.items()}


def state_dict(dtype):
    """Tensors of rank 0 to 3, views with non-trivial strides and offsets, and storages shared by views."""
    g = torch.Generator().manual_seed(SEED + list(FILE_DTYPE).index(dtype))

    def rand(*shape):
        if dtype == torch.int64:
            return torch.randint(-1000, 1000, shape, generator=g, dtype=torch.int64)
        return torch.randn(shape, generator=g, dtype=torch.float64).to(dtype)

    base = rand(8)
    cube = rand(2, 3, 4)
    sd = collections.OrderedDict()
    sd["scalar"] = rand()                          # 0-d
    sd["vec"] = rand(5)                            # 1-d
    sd["mat"] = rand(3, 4)                         # 2-d
    sd["cube"] = cube                              # 3-d
    sd["mat_t"] = rand(4, 3).t()                   # transposed view saved as is: stride (1, 3)
    sd["cube_perm"] = cube.permute(2, 0, 1)        # shares cube's storage, stride (1, 12, 4)
    sd["base"] = base
    sd["base_slice"] = base[2:5]                   # same storage, offset 2
    sd["base_every_other"] = base[1::2]            # same storage, offset 1, stride 2
    sd["base_elem"] = base[6]                      # 0-d view, offset 6
    sd["expanded"] = rand(3, 1).expand(3, 4)       # stride (1, 0): one stored column read four times
    sd["empty"] = rand(0, 3)                       # no elements
    if dtype == torch.int64:
        sd["extremes"] = torch.tensor([-2**63, 2**63 - 1, 2**53 + 1, -1, 0], dtype=dtype)
    else:
        fi = torch.finfo(dtype)
        specials = [0.0, -0.0, 1.0, -2.5, float(fi.max), -float(fi.max), float(fi.tiny),
                    float(fi.tiny) * float(fi.eps),   # the smallest subnormal
                    float("inf"), float("-inf"), float("nan"), 1.0 / 3.0]
        sd["specials"] = torch.tensor(specials, dtype=torch.float64).to(dtype)
    assert not sd["mat_t"].is_contiguous() and sd["base_slice"].storage_offset() == 2
    return sd


def save(obj, name, **kw):
    torch.save(obj, path(name), **kw)


def zip_entries(name):
    with zipfile.ZipFile(path(name)) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def write_zip(name, entries, compression=zipfile.ZIP_STORED):
    """A zip with fixed timestamps, so that rebuilding it gives the same bytes."""
    with zipfile.ZipFile(path(name), "w", compression) as z:
        for n, data in entries:
            info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, data)


def pickle_globals(name):
    """The module.name of every GLOBAL / STACK_GLOBAL in the file's data.pkl, as the pickle spells them."""
    entries = dict(zip_entries(name))
    pkl = next(v for k, v in entries.items() if k.endswith("/data.pkl"))
    found, strings = [], []
    for op, arg, _ in pickletools.genops(pkl):
        if op.name == "GLOBAL":
            found.append(arg.replace(" ", "."))
        elif op.name == "STACK_GLOBAL":
            found.append(strings[-2] + "." + strings[-1])
        if isinstance(arg, str):
            strings.append(arg)
    return found


def same(a, b):
    """Equal lists of numbers, bit for bit: -0.0 differs from 0.0 (NaN was already made a string)."""
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b and type(a) == type(b)


class Pwn:
    """torch.save pickles this as a call of `func(*args)`; torch.load would run it."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def main():
    torch.manual_seed(SEED)
    expected = {"torch_version": torch.__version__, "python": sys.version.split()[0],
                "numpy": np.__version__, "seed": SEED, "good": {}, "hostile": {}}

    # ---- good checkpoints, one per storage type -------------------------------------------------
    for dtype, name in [(torch.float32, "f32.pth"), (torch.float64, "f64.pth"), (torch.float16, "f16.pth"),
                        (torch.bfloat16, "bf16.pth"), (torch.int64, "i64.pth")]:
        sd = state_dict(dtype)
        save(sd, name)
        expected["good"][name] = {"dtype": FILE_DTYPE[dtype], "tensors": describe(sd)}

    # nn.Parameters (pickled through torch._utils._rebuild_parameter), in a plain dict
    g = torch.Generator().manual_seed(SEED + 100)
    weight = torch.randn(3, 2, generator=g)
    params = {"weight": torch.nn.Parameter(weight),
              "weight_t": torch.nn.Parameter(weight.t()),   # non-contiguous view of weight's storage
              "bias": torch.nn.Parameter(torch.randn(3, generator=g)),
              "frozen": torch.nn.Parameter(torch.randn(2, 2, generator=g), requires_grad=False)}
    save(params, "param.pth")
    expected["good"]["param.pth"] = {"dtype": "F32", "tensors": describe(params)}
    assert "torch._utils._rebuild_parameter" in pickle_globals("param.pth")

    # a real module's state_dict(): an OrderedDict carrying _metadata (pickled with BUILD), float32
    # weights and BatchNorm's int64 num_batches_tracked
    g = torch.Generator().manual_seed(SEED + 200)
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
        module[1].running_mean.copy_(torch.randn(2, generator=g))
        module[1].num_batches_tracked.fill_(7)
    sd = module.state_dict()
    assert hasattr(sd, "_metadata")
    save(sd, "module.pth")
    expected["good"]["module.pth"] = {"dtype": "mixed", "tensors": describe(sd)}
    assert "BUILD" in [op.name for op, _, _ in pickletools.genops(dict(zip_entries("module.pth"))["module/data.pkl"])]

    # the f32 state_dict pickled with protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL) into a stream, which
    # names the archive's folder "archive/" rather than after the file
    buf = io.BytesIO()
    torch.save(state_dict(torch.float32), buf, pickle_protocol=4)
    with open(path("f32_proto4.pth"), "wb") as f:
        f.write(buf.getvalue())
    expected["good"]["f32_proto4.pth"] = {"dtype": "F32", "same_as": "f32.pth"}

    # the f32 checkpoint re-zipped with DEFLATE (as an archiver might); still a valid checkpoint
    write_zip("f32_deflated.pth", zip_entries("f32.pth"), zipfile.ZIP_DEFLATED)
    expected["good"]["f32_deflated.pth"] = {"dtype": "F32", "same_as": "f32.pth"}

    # ---- files to refuse ---------------------------------------------------------------------------
    hostile = expected["hostile"]
    small = collections.OrderedDict(w=torch.arange(4.0))

    save(small, "legacy.pth", _use_new_zipfile_serialization=False)
    hostile["legacy.pth"] = {"why": "pre-1.6 non-zip format", "message": ["legacy"]}

    # Code execution through pickle: each checkpoint holds a real tensor first, then an object whose
    # __reduce__ names a dangerous callable. torch.load would call it; the reader must refuse the global.
    evil = [("evil_os_system.pth", Pwn(os.system, "touch " + PWNED), 2),
            ("evil_eval.pth", Pwn(eval, "__import__('os').system('touch " + PWNED + "')"), 2),
            # protocol 4 keeps the Python 3 name (protocol 2 would write 'commands Popen') and uses STACK_GLOBAL
            ("evil_popen.pth", Pwn(subprocess.Popen, ["touch", PWNED]), 4)]
    for name, obj, protocol in evil:
        d = collections.OrderedDict(w=torch.arange(4.0), payload=obj)
        save(d, name, pickle_protocol=protocol)
        allowed = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch.FloatStorage"}
        bad = [gl for gl in pickle_globals(name) if gl not in allowed]
        assert len(bad) == 1, bad
        hostile[name] = {"why": "pickle calls " + bad[0], "global": bad[0], "protocol": protocol,
                         "message": ["'" + bad[0] + "'", "not on the allow-list", "nothing was executed"]}

    # Broken archives, all derived from f32.pth
    good = zip_entries("f32.pth")
    prefix = good[0][0].split("/")[0] + "/"
    storages = [n for n, _ in good if n.startswith(prefix + "data/")]

    gone = storages[1]
    write_zip("missing_storage.pth", [(n, d) for n, d in good if n != gone])
    hostile["missing_storage.pth"] = {"why": gone + " removed",
                                      "message": ["storage data/" + gone.rsplit("/", 1)[1],
                                                  "which the archive does not have"]}

    cut = max(storages, key=lambda n: len(dict(good)[n]))  # the largest storage (the cube's)
    short = [(n, d[:-4] if n == cut else d) for n, d in good]
    write_zip("short_storage.pth", short)
    full = len(dict(good)[cut])
    hostile["short_storage.pth"] = {"why": cut + " lost its last 4 bytes",
                                    "message": ["storage data/" + cut.rsplit("/", 1)[1], "has " + str(full - 4)
                                                + " bytes", "(" + str(full) + " bytes)"]}

    with open(path("f32.pth"), "rb") as f:
        whole = f.read()
    with open(path("truncated.pth"), "wb") as f:
        f.write(whole[:len(whole) // 2])
    hostile["truncated.pth"] = {"why": "f32.pth cut in half", "message": ["not a readable zip archive"]}

    noise = np.random.RandomState(SEED).bytes(1000)
    assert noise[0] not in (0x80, ord("P"))
    with open(path("not_zip.pth"), "wb") as f:
        f.write(noise)
    hostile["not_zip.pth"] = {"why": "1000 random bytes", "message": ["not a PyTorch checkpoint"]}

    write_zip("no_pickle.pth", [(n, d) for n, d in good if not n.endswith("/data.pkl")])
    hostile["no_pickle.pth"] = {"why": "data.pkl removed", "message": ["no <folder>/data.pkl entry"]}

    # ---- sanity: torch itself reads the good files back to the recorded values --------------------
    for name, e in expected["good"].items():
        loaded = torch.load(path(name))
        want = expected["good"][e.get("same_as", name)]["tensors"]
        assert list(loaded) == list(want), name
        for k, t in loaded.items():
            assert same(jsonable(floats_of(t.detach())), want[k]["values"]), (name, k)
            assert list(t.shape) == want[k]["shape"], (name, k)

    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1, allow_nan=False)
        f.write("\n")
    names = sorted(n for n in os.listdir(HERE) if n.endswith(".pth") or n == "expected.json")
    with open(path("SHA256SUMS"), "w") as f:
        for n in names:
            with open(path(n), "rb") as g:
                f.write(hashlib.sha256(g.read()).hexdigest() + "  " + n + "\n")
    total = sum(os.path.getsize(path(n)) for n in names)
    print("torch", torch.__version__, "wrote", len(names), "files,", total, "bytes")


if __name__ == "__main__":
    main()
