#!/usr/bin/env python3
"""Recompute golden cases with the original PyTorch TarFlow and compare, tensor by tensor.

This checks the project's own golden cases (reference-data/tarflow) against apple/ml-tarflow, so that
they are PyTorch ground truth too, and works for any case in the format of docs/CONFORMANCE.md.

    python3 tools/torch_check_cases.py --reference DIR CASE.json [CASE.json ...]

DIR holds the reference's transformer_flow.py (apple/ml-tarflow; it is not part of this project). Needs
torch (tested with Debian's python3-torch 1.13) and numpy. On torch < 2.0, which has no
scaled_dot_product_attention, Attention.USE_SPDA = False (set below) selects the reference's own einsum
attention. The reference's float32 upcasts (x.float()) are made to keep float64. Exit code 0 when every tensor of every case is within --tolerance (default 1e-10).

Outputs that only this project writes are checked independently where PyTorch can: out.sample_loglik.<name>
(the log-likelihood of each sample) is compared with log N(e) - log|det d reverse(e) / d e|, the Jacobian
taken by central differences (so to --loglik-tolerance, default 1e-6).
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch

DTYPES = {"F64": "<f8", "F32": "<f4", "I64": "<i8"}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        out[key] = torch.from_numpy(arr.copy())
    return out


def rel_error(ref, ours):
    ref = ref.double()
    ours = ours.double().reshape(ref.shape)
    num = torch.linalg.norm((ours - ref).flatten()).item()
    den = torch.linalg.norm(ref.flatten()).item()
    return num / den if den > 0 else num


def run_case(tf, manifest_path):
    with open(manifest_path) as f:
        m = json.load(f)
    t = read_safetensors(manifest_path[:-len(".json")] + ".safetensors")
    cfg = m["config"]
    model = tf.Model(**cfg).double()
    state = {k[len("param."):]: v for k, v in t.items() if k.startswith("param.")}
    model.load_state_dict(state, strict=True)
    ours = {}

    x = t["in.x"].clone().requires_grad_(True)
    y = t.get("in.y")
    z, outputs, logdets = model(x, y)
    loss = model.get_loss(z, logdets)
    ours["out.z"] = z
    for i, o in enumerate(outputs):
        ours[f"out.block{i}"] = o
    ours["out.logdets"] = logdets
    ours["out.loss"] = loss.reshape(())
    loss.backward()
    ours["grad.x"] = x.grad
    for name, p in model.named_parameters():
        ours["grad.param." + name] = p.grad.clone()
    n_dims = z.shape[1] * z.shape[2]
    logp = (-0.5 * (z.detach() ** 2 + math.log(2 * math.pi))).sum(dim=[1, 2]) - math.log(128) * n_dims
    ours["out.bpd"] = (-logp / n_dims - logdets.detach()) / math.log(2)
    if "out.bpd_mid" in t:  # this project's extension: in.x at its bin centre, evaluate_bpd.py with u = 0.5
        with torch.no_grad():
            x_mid = ((t["in.x"] + 1) * (255 / 2) + 0.5) / 256 * 2 - 1
            z_mid, _, logdets_mid = model(x_mid, y)
            logp_mid = (-0.5 * (z_mid ** 2 + math.log(2 * math.pi))).sum(dim=[1, 2]) - math.log(128) * n_dims
            ours["out.bpd_mid"] = (-logp_mid / n_dims - logdets_mid) / math.log(2)
    if "denoise" in m:
        ours["out.denoised"] = t["in.x"] - m["denoise"]["lr"] * x.grad

    with torch.no_grad():
        for s in m.get("samplings", []):
            labels = t.get("in.y_sample") if s.get("use_y", True) else None
            kwargs = dict(guidance=s.get("guidance", 0), guide_what=s.get("guide_what", "ab"),
                          attn_temp=s.get("attn_temp", 1.0), annealed_guidance=s.get("annealed_guidance", False))
            ours["out.sample." + s["name"]] = model.reverse(t["in.noise"].clone(), labels, **kwargs)
            key = "out.sample_loglik." + s["name"]
            if key in t:
                ours[key] = sample_loglik(model, t["in.noise"], labels, kwargs)

    if "adamw" in m:
        a = m["adamw"]
        params = [p for _, p in model.named_parameters()]
        grads = [p.grad.clone() for p in params]
        opt = torch.optim.AdamW(params, lr=a["lr_per_step"][0], betas=tuple(a["betas"]), eps=a["eps"],
                                weight_decay=a["weight_decay"])
        for lr in a["lr_per_step"]:
            for group in opt.param_groups:
                group["lr"] = lr
            for p, g in zip(params, grads):
                p.grad = g.clone()
            opt.step()
        for name, p in model.named_parameters():
            ours["adamw.param." + name] = p.detach().clone()
    return m["name"], t, ours


def sample_loglik(model, noise, labels, kwargs):
    """log N(e) - log|det d reverse(e) / d e| per sample, the Jacobian by central differences (the reference's
    reverse writes in place, which autograd cannot differentiate); accurate to about 1e-8 relative."""
    out = []
    h = 1e-6
    for i in range(noise.shape[0]):
        e = noise[i:i + 1].clone()
        y = None if labels is None else labels[i:i + 1]
        n = e.numel()
        jac = torch.zeros(n, n)
        for j in range(n):
            plus, minus = e.clone().flatten(), e.clone().flatten()
            plus[j] += h
            minus[j] -= h
            fp = model.reverse(plus.reshape(e.shape), y, **kwargs).flatten()
            fm = model.reverse(minus.reshape(e.shape), y, **kwargs).flatten()
            jac[:, j] = (fp - fm) / (2 * h)
        logdet = torch.linalg.slogdet(jac)[1]
        log_noise = (-0.5 * (e ** 2 + math.log(2 * math.pi))).sum()
        out.append(log_noise - logdet)
    return torch.stack(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", required=True, help="directory holding apple/ml-tarflow's transformer_flow.py")
    ap.add_argument("--tolerance", type=float, default=1e-10)
    ap.add_argument("--loglik-tolerance", type=float, default=1e-6,
                    help="for out.sample_loglik.*, whose check uses a finite-difference Jacobian")
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()
    sys.path.insert(0, args.reference)
    import transformer_flow as tf
    if hasattr(tf.Attention, "USE_SPDA") and not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
        tf.Attention.USE_SPDA = False
    torch.set_default_dtype(torch.float64)
    # The reference upcasts to float32 around LayerNorm, softmax and exp (x.float() ... .type(x.dtype)) for
    # mixed-precision training; in a float64 run those casts must keep float64.
    to_float = torch.Tensor.float
    torch.Tensor.float = lambda self, *a, **k: self if self.dtype == torch.float64 else to_float(self, *a, **k)
    ok = True
    for path in args.cases:
        name, ref, ours = run_case(tf, path)
        worst_key, worst, worst_ll = None, 0.0, 0.0
        missing = []
        compared = 0
        for key, r in ref.items():
            if key.startswith("in.") or key.startswith("param."):
                continue
            if key not in ours:
                missing.append(key)
                continue
            err = rel_error(r, ours[key].detach())
            compared += 1
            if key.startswith("out.sample_loglik."):
                worst_ll = max(worst_ll, err)
            elif not err <= worst:
                worst_key, worst = key, err
        passed = not missing and worst <= args.tolerance and worst_ll <= args.loglik_tolerance
        ok &= passed
        print(f"{name}: {compared} tensors, worst {worst_key} {worst:.2e}, sample_loglik {worst_ll:.1e}"
              + (f", not recomputed: {missing}" if missing else "") + (" PASS" if passed else " FAIL"))
    print("torch check: " + ("PASS" if ok else "FAIL"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
