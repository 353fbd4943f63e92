#!/usr/bin/env python3
"""Throughput of the ORIGINAL PyTorch TarFlow on this machine, on the workloads of `./tarflow bench`.

    python3 tools/torch_bench.py --reference DIR [--config mnist|cifar] [--threads N] [--reps R] [--omp-passive]

Prints one JSON line with the keys of BenchCommand (config, threads, train_img_s, sample_img_s,
sample_cfg_img_s, nll_img_s, peak_rss_mb) plus torch_version, so that the Java and PyTorch figures can be
put side by side (issue 4).

The reference: DIR holds transformer_flow.py of apple/ml-tarflow (not part of this project and not to be
committed), imported as tools/torch_check_cases.py does. On torch < 2.0, which has no
scaled_dot_product_attention, Attention.USE_SPDA = False selects the reference's own einsum attention.
Needs torch (tested with Debian's python3-torch 1.13, i.e. /usr/bin/python3).

BLAS matters more than anything else here: Debian's torch calls whatever libblas.so.3 points at, which on
a bare system is the unoptimised netlib reference BLAS (about 15x slower on these workloads). The output's
"blas" key names the library actually loaded. To measure with OpenBLAS without changing the system:
    apt-get download libopenblas0-pthread && dpkg-deb -x libopenblas0-pthread_*.deb /tmp/ob
    LD_LIBRARY_PATH=/tmp/ob/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 tools/torch_bench.py ...
Unless already set, OMP_NUM_THREADS and OPENBLAS_NUM_THREADS are set to --threads before torch is imported,
and nothing else: PyTorch's own defaults, as its users run it (the peer of docs/PERFORMANCE.md). With
--omp-passive, OMP_WAIT_POLICY is also set to PASSIVE (unless already set): Debian's torch 1.13 with OpenBLAS
needs it (spinning OpenMP workers steal the cores from OpenBLAS's threads), while on PyTorch 2.x with MKL it
halves the sampling speed.

Workloads, as in tarflow-cli/src/main/java/org/tarflow/cli/BenchCommand.java (float32, parameters seeded with 0):
  mnist: Model(1, 28, patch 4, channels 128, 4 blocks x 4 layers, 10 classes); batches train 256,
         sample 100, NLL 500.
  cifar: Model(3, 32, patch 2, channels 256, 4 blocks x 4 layers, 10 classes); batches 64 / 16 / 128.
  train:      uniform images in [-1, 1) and labels i % 10; zero_grad, forward, the reference's
              get_loss(z, logdets), backward, torch.optim.AdamW step (lr 1e-4, betas (0.9, 0.95),
              eps 1e-8, weight decay 1e-4: AdamW.reference). No prior update (neither does the Java bench).
  sample:     model.reverse(noise, labels) from standard Gaussian patches (B, T, C*p*p), no guidance,
              under torch.no_grad().
  sample_cfg: model.reverse(noise, labels, guidance=1.5, guide_what='ab', attn_temp=1.0,
              annealed_guidance=False) (SamplingOptions.cfg(1.5)), under torch.no_grad().
  nll:        model(images, labels) under torch.no_grad() (forwardNoGrad).
Each phase runs one warm-up repetition, then --reps timed ones; images/s = batch * reps / seconds, rounded
to 0.1. Inputs are drawn inside the timed loop, as in the Java bench. peak_rss_mb is
ru_maxrss / 1024 (Linux reports KiB), the process's high-water mark like the Java VmHWM.
"""
import argparse
import json
import os
import resource
import sys
import time

CONFIGS = {
    # name: (Model kwargs, train batch, sample batch, NLL batch)
    "mnist": (dict(in_channels=1, img_size=28, patch_size=4, channels=128, num_blocks=4, layers_per_block=4,
                   nvp=True, num_classes=10), 256, 100, 500),
    "cifar": (dict(in_channels=3, img_size=32, patch_size=2, channels=256, num_blocks=4, layers_per_block=4,
                   nvp=True, num_classes=10), 64, 16, 128),
}


def rate(batch, reps, fn):
    fn()  # warm-up
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return round(batch * reps / (time.perf_counter() - t0), 1)


def blas_library():
    """The BLAS shared object torch actually loaded (Debian's torch links libblas.so.3, whatever it points at)."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() and ".so" in line}
    return " ".join(sorted(os.path.realpath(x) for x in libs)) or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True,
                    help="directory holding apple/ml-tarflow's transformer_flow.py (the original PyTorch code)")
    ap.add_argument("--config", default="mnist", choices=sorted(CONFIGS), help="model shape (default mnist)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--reps", type=int, default=3, help="timed repetitions per phase (default 3)")
    ap.add_argument("--omp-passive", action="store_true",
                    help="set OMP_WAIT_POLICY=PASSIVE (for torch 1.13 with OpenBLAS; off: PyTorch's defaults)")
    args = ap.parse_args()
    if args.reps < 1:
        ap.error("--reps must be at least 1")

    # OpenBLAS sizes its own thread pool from the environment, not from torch.set_num_threads. Idle OpenMP
    # workers that spin (libgomp's default) steal the cores from OpenBLAS's threads: with 2 threads on 2
    # cores that made torch 1.13's mnist bench 2-8x slower than PASSIVE (--omp-passive). Each can be
    # overridden from the environment.
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    if args.omp_passive:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch
    sys.path.insert(0, args.reference)
    import transformer_flow as tf
    if hasattr(tf.Attention, "USE_SPDA") and not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
        tf.Attention.USE_SPDA = False

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    kwargs, train_b, sample_b, nll_b = CONFIGS[args.config]
    model = tf.Model(**kwargs).float()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    c, s = kwargs["in_channels"], kwargs["img_size"]
    t, d = model.num_patches, c * kwargs["patch_size"] ** 2
    classes = kwargs["num_classes"]

    def images(b):
        return torch.rand(b, c, s, s) * 2 - 1

    def labels(b):
        return torch.arange(b) % classes

    def train():
        opt.zero_grad()
        z, _, logdets = model(images(train_b), labels(train_b))
        model.get_loss(z, logdets).backward()
        opt.step()

    def sample(**guidance):
        with torch.no_grad():
            model.reverse(torch.randn(sample_b, t, d), labels(sample_b), **guidance)

    def nll():
        with torch.no_grad():
            model(images(nll_b), labels(nll_b))

    out = {"config": args.config, "threads": torch.get_num_threads()}
    out["train_img_s"] = rate(train_b, args.reps, train)
    out["sample_img_s"] = rate(sample_b, args.reps, sample)
    out["sample_cfg_img_s"] = rate(sample_b, args.reps, lambda: sample(
        guidance=1.5, guide_what="ab", attn_temp=1.0, annealed_guidance=False))
    out["nll_img_s"] = rate(nll_b, args.reps, nll)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    out["torch_version"] = torch.__version__
    out["blas"] = blas_library()
    out["omp_wait_policy"] = os.environ.get("OMP_WAIT_POLICY", "(unset)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
