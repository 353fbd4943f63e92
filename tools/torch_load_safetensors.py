#!/usr/bin/env python3
"""Load safetensors weights written by this project into the original PyTorch TarFlow, strictly.

    python3 tools/torch_load_safetensors.py --reference DIR MODEL.safetensors [MORE.safetensors ...]

DIR holds apple/ml-tarflow's transformer_flow.py (not part of this project). The model configuration
comes from the file's "model_config" metadata, whose keys are the arguments of the reference's Model().
Needs torch and the safetensors package. Exit code 0 when every file loads with every key and shape
matching (load_state_dict(strict=True)).
"""
import argparse
import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True, help="directory holding apple/ml-tarflow's transformer_flow.py")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    sys.path.insert(0, args.reference)
    import transformer_flow as tf
    for path in args.files:
        with safe_open(path, "pt") as f:
            config = json.loads(f.metadata()["model_config"])
        state = {k: v for k, v in load_file(path).items() if not k.startswith("optimizer.")}
        dtype = next(iter(state.values())).dtype
        model = tf.Model(**config).to(dtype)
        model.load_state_dict(state, strict=True)
        print(f"{path}: {len(state)} tensors ({dtype}) loaded into Model({config})")


if __name__ == "__main__":
    main()
