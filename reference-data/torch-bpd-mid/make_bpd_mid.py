"""Mid-bin bits/dim of the .pth models in reference-data/torch, computed by the original PyTorch code.

Run as a peer, not copied: the original's transformer_flow.py (apple/ml-tarflow) must be importable,
e.g. `git show HEAD:transformer_flow.py > /tmp/peer/transformer_flow.py` from a checkout, then
  PYTHONPATH=/tmp/peer python make_bpd_mid.py
The bits/dim formula is evaluate_bpd.py's (gaussian_log_prob with k=128, nll = -log p / n - logdets),
with its `torch.rand_like(x_int)` replaced by 0.5 (the bin centre), all in float64 (the original's
float32 upcasts made to keep float64, as tools/torch_check_cases.py does).
Writes expected.json beside this script.
"""
import json
import pathlib

import numpy as np
import torch

import transformer_flow

HERE = pathlib.Path(__file__).resolve().parent
CASES = HERE.parent / "torch"


def gaussian_log_prob(z, k=128):  # evaluate_bpd.py's
    log_p = -0.5 * (z**2 + np.log(2 * np.pi))
    return log_p.flatten(1).sum(-1) - np.log(k) * np.prod(z.size()[1:])


def main():
    # float64 throughout: the original upcasts to float32 around LayerNorm, softmax and exp (x.float() ...
    # .type(x.dtype)); as in tools/torch_check_cases.py those upcasts keep float64 here
    torch.set_default_dtype(torch.float64)
    to_float = torch.Tensor.float
    torch.Tensor.float = lambda self, *a, **k: self if self.dtype == torch.float64 else to_float(self, *a, **k)
    out = {"source": "apple/ml-tarflow transformer_flow.py + evaluate_bpd.py formula, u = 0.5, float64",
           "torch": torch.__version__, "cases": []}
    rng = np.random.default_rng(18)
    for name in ["cond_nvp_c1_p4", "uncond_nvp_c1_p2"]:
        manifest = json.loads((CASES / f"{name}.json").read_text())
        c = manifest["config"]
        model = transformer_flow.Model(in_channels=c["in_channels"], img_size=c["img_size"], patch_size=c["patch_size"],
                                       channels=c["channels"], num_blocks=c["num_blocks"],
                                       layers_per_block=c["layers_per_block"], nvp=c["nvp"],
                                       num_classes=c["num_classes"]).double()
        model.load_state_dict(torch.load(CASES / f"{name}.pth", map_location="cpu"), strict=True)
        model.eval()
        pixels = rng.integers(0, 256, size=(5, c["in_channels"], c["img_size"], c["img_size"]))
        labels = rng.integers(0, max(1, c["num_classes"]), size=5)
        x = torch.tensor(pixels, dtype=torch.float64) / 255 * 2 - 1  # ToTensor + Normalize((0.5,), (0.5,))
        x_int = (x + 1) * (255 / 2)
        x = (x_int + 0.5) / 256 * 2 - 1
        n_dims = int(np.prod(x.shape[1:]))
        case = {"name": name, "pixels": pixels.reshape(5, -1).tolist(), "labels": labels.tolist()}
        for key, y in [("bpd_no_label", None), ("bpd_given_label", torch.tensor(labels) if c["num_classes"] else None)]:
            if key == "bpd_given_label" and y is None:
                continue
            with torch.no_grad():
                z, _, logdets = model(x, y)
                bpd = (-gaussian_log_prob(z) / n_dims - logdets) / np.log(2)
            case[key] = bpd.tolist()
        out["cases"].append(case)
    (HERE / "expected.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
