#!/usr/bin/env python3
"""adam-bench against PyTorch, side by side on this machine: the same models, shapes, batch,
threads and optimizer (Adam), alternating runs, one table of ratios with the measured FMA peak.
A benchmarking tool only: PyTorch and NumPy come from a virtual environment this script creates
when missing (~/peer-venv, or PEER_VENV); adam-bench never depends on them.

  scripts/bench-vs-pytorch.py [--threads 2] [--rounds 2] [--models logreg,mlp,vae,cnn,cnn-direct]
  scripts/bench-vs-pytorch.py --gemm [--threads 2] [--rounds 3]   the GEMM against numpy.matmul (OpenBLAS)
  (BIN=path/to/adam-bench to time another build; default: the release build of `make build`)

adam-bench is timed with `bench train` on one-arm configs written to a temporary folder (the
data must be in data/: `make data`); PyTorch on random tensors of the same shapes (the time of a
step does not depend on the values). Both report the median of repeated steps after a warm-up.
Ratios carry across machines; absolute times do not. Nothing else should run meanwhile.
"""
import argparse, json, os, platform, re, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.environ.get("PEER_VENV", os.path.expanduser("~/peer-venv"))

# Each model: the adam-bench config (one Adam arm) and the PyTorch module that matches it.
MODELS = {
    "logreg": {"batch": 128, "config": {
        "dataset": {"name": "mnist", "path": "mnist"}, "model": {"kind": "logistic-regression"}}},
    "mlp": {"batch": 128, "config": {
        "dataset": {"name": "mnist", "path": "mnist"},
        "model": {"kind": "mlp", "hidden": [1000, 1000], "dropout": {"input": 0.2, "hidden": 0.5}}}},
    "vae": {"batch": 100, "config": {
        "dataset": {"name": "mnist", "path": "mnist", "binarize": True},
        "model": {"kind": "vae", "hidden": [500], "latent": 50, "activation": "softplus"}}},
    "cnn": {"batch": 128, "config": {
        "dataset": {"name": "cifar10", "path": "cifar-10-batches-bin", "train_limit": 1024, "preprocess": "zca"},
        "model": {"kind": "cnn", "conv": [64, 64, 128], "kernel": 5, "pool": {"size": 3, "stride": 2, "pad": 1},
                  "hidden": [1000], "dropout": {"input": 0.2, "hidden": 0.5}, "conv_algorithm": "auto"}}},
}
# The same CNN with every convolution direct (im2col GEMMs): the reference path. PyTorch runs the
# one network; "cnn" rows say how ours computes its convolutions.
MODELS["cnn-direct"] = {"batch": 128, "peer": "cnn", "config": dict(
    MODELS["cnn"]["config"], model=dict(MODELS["cnn"]["config"]["model"], conv_algorithm="direct"))}

PEER = r'''
import statistics, sys, time, torch, torch.nn as nn, torch.nn.functional as F
kind, threads, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
evaluate = len(sys.argv) > 5 and sys.argv[5] == "eval"
torch.set_num_threads(threads); torch.manual_seed(1)
if kind == "logreg":
    model = nn.Linear(784, 10); x = torch.rand(batch, 784); y = torch.randint(0, 10, (batch,))
    loss = lambda: F.cross_entropy(model(x), y)
elif kind == "mlp":
    model = nn.Sequential(nn.Dropout(0.2), nn.Linear(784, 1000), nn.ReLU(), nn.Dropout(0.5), nn.Linear(1000, 1000),
                          nn.ReLU(), nn.Dropout(0.5), nn.Linear(1000, 10))
    x = torch.rand(batch, 784); y = torch.randint(0, 10, (batch,))
    loss = lambda: F.cross_entropy(model(x), y)
elif kind == "vae":
    class VAE(nn.Module):
        def __init__(s):
            super().__init__(); s.e = nn.Linear(784, 500); s.mu = nn.Linear(500, 50); s.lv = nn.Linear(500, 50)
            s.d = nn.Linear(50, 500); s.o = nn.Linear(500, 784)
        def forward(s, x):
            h = F.softplus(s.e(x)); mu, lv = s.mu(h), s.lv(h)
            z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
            logits = s.o(F.softplus(s.d(z)))
            rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
            kl = -0.5 * torch.sum(1 + lv - mu * mu - lv.exp())
            return (rec + kl) / x.shape[0]
    model = VAE(); x = (torch.rand(batch, 784) > 0.5).float()
    loss = lambda: model(x)
else:
    blk = lambda i, o: [nn.Conv2d(i, o, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1)]
    model = nn.Sequential(nn.Dropout(0.2), *blk(3, 64), *blk(64, 64), *blk(64, 128), nn.Flatten(), nn.Linear(2048, 1000),
                          nn.ReLU(), nn.Dropout(0.5), nn.Linear(1000, 10))
    x = torch.randn(batch, 3, 32, 32); y = torch.randint(0, 10, (batch,))
    loss = lambda: F.cross_entropy(model(x), y)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
def step():
    opt.zero_grad(set_to_none=True); l = loss(); l.backward(); opt.step()
if evaluate:  # a forward pass without dropout or gradients, as adam-bench's evaluation
    model.eval()
    def step():
        with torch.no_grad(): loss()
for _ in range(5): step()
t0 = time.perf_counter(); n = 0
while n < 5 or time.perf_counter() - t0 < 0.5: step(); n += 1
per = (time.perf_counter() - t0) / n
times = []
for _ in range(max(5, min(steps, int(2 / per) + 1))):
    t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
print(statistics.median(times) * 1000)
'''


# The products a training step makes (m,n,k,transA,transB: C = op(A)·op(B), op(A) m x k), and 1024³.
GEMMS = [
    ("1024³", "1024,1024,1024,N,N"),
    ("MLP forward, layer 1", "128,1000,784,N,T"), ("MLP forward, layer 2", "128,1000,1000,N,T"),
    ("MLP weight gradient, layer 1", "1000,784,128,T,N"), ("MLP weight gradient, layer 2", "1000,1000,128,T,N"),
    ("MLP input gradient, layer 2", "128,1000,1000,N,N"),
    ("VAE encoder", "100,500,784,N,T"), ("VAE decoder output", "100,784,500,N,T"),
    ("VAE decoder weight gradient", "784,500,100,T,N"), ("VAE decoder input gradient", "100,500,784,N,N"),
    ("CNN fully connected forward", "128,1000,2048,N,T"), ("CNN fully connected weight gradient", "1000,2048,128,T,N"),
]

PEER_GEMM = r'''
import statistics, sys, time, numpy as np
m, n, k, ta, tb = sys.argv[1].split(","); m, n, k = int(m), int(n), int(k)
rng = np.random.default_rng(1)
a = rng.random((k, m) if ta == "T" else (m, k), dtype=np.float32)
b = rng.random((n, k) if tb == "T" else (k, n), dtype=np.float32)
A = a.T if ta == "T" else a; B = b.T if tb == "T" else b   # views: BLAS gets the transpose flags
c = np.empty((m, n), dtype=np.float32)
for _ in range(3): np.matmul(A, B, out=c)
times = []
t0 = time.perf_counter()
while len(times) < 5 or time.perf_counter() - t0 < 1: t = time.perf_counter(); np.matmul(A, B, out=c); times.append(time.perf_counter() - t)
print(2 * m * n * k / statistics.median(times) / 1e9)
'''


def gemms(python, binary, threads, rounds):
    """Our GEMM against numpy.matmul (OpenBLAS with its best kernels for this CPU), alternating."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    env.pop("OPENBLAS_CORETYPE", None)  # the machine's preset halves OpenBLAS; give it its best
    print("| product | m,n,k,op(A),op(B) | adam-bench GFLOP/s | OpenBLAS GFLOP/s | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for name, shape in GEMMS:
        mine, theirs = [], []
        for _ in range(rounds):
            out = subprocess.run([binary, "bench", "gemm", "--threads", str(threads), "--shape", shape],
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1].split(",")
            mine.append(float(out[6]))
            theirs.append(float(subprocess.run([python, "-c", PEER_GEMM, shape], capture_output=True, text=True,
                                               check=True, env=env).stdout.strip()))
        m, t = statistics.median(mine), statistics.median(theirs)
        print(f"| {name} | {shape} | {m:.1f} | {t:.1f} | {m / t:.2f}x |", flush=True)


def venv_python():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        print(f"creating {VENV} with torch and numpy (a few minutes)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "torch", "numpy"], check=True)
    return py


def adam_bench():
    if os.environ.get("BIN"):
        return os.environ["BIN"]
    out = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"] + make_flags(), cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(out, "adam-bench")


def make_flags():
    return subprocess.run(["make", "-s", "print-flags"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


def ours(binary, kind, threads, folder):
    spec = MODELS[kind]
    config = dict(spec["config"], name=f"bench-{kind}", training={"epochs": 1, "batch_size": spec["batch"]},
                  arms=[{"name": "adam", "optimizer": "adam", "lr": 1e-3}])
    path = os.path.join(folder, f"{kind}.json")
    with open(path, "w") as f:
        json.dump(config, f)
    out = subprocess.run([binary, "bench", "train", path, "--threads", str(threads), "--data-dir", os.path.join(ROOT, "data")],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()
    fields = dict(zip(out[0].split(","), out[-1].split(",")))
    return float(fields["ms_per_step"]), float(fields["eval_ms_per_step"])


def peer(python, kind, threads):
    """PyTorch's training step and evaluation pass (ms)."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)  # the machine's preset halves OpenBLAS; give PyTorch its best
    env.pop("OPENBLAS_L2_SIZE", None)
    net = MODELS[kind].get("peer", kind)
    times = []
    for mode in ["train", "eval"]:
        out = subprocess.run([python, "-c", PEER, net, str(threads), str(MODELS[kind]["batch"]), "50", mode],
                             capture_output=True, text=True, check=True, env=env).stdout
        times.append(float(out.strip().splitlines()[-1]))
    return tuple(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--models", default="logreg,mlp,vae,cnn,cnn-direct")
    p.add_argument("--gemm", action="store_true", help="time the GEMM's products against numpy.matmul instead")
    a = p.parse_args()
    python, binary = venv_python(), adam_bench()
    peak = subprocess.run([binary, "bench", "gemm", "--threads", str(a.threads), "--shape", "256,256,256,N,N"],
                          capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1].split(",")[-1]
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except Exception:
        pass
    if a.gemm:
        print(f"# {time.strftime('%Y-%m-%d')}, {cpu}, {a.threads} threads, FMA loop {peak} GFLOP/s; medians of {a.rounds} alternating rounds")
        gemms(python, binary, a.threads, a.rounds)
        return
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in a.models.split(","):
            mine, theirs = [], []
            for _ in range(a.rounds):  # alternate, so drift of a shared machine hits both
                mine.append(ours(binary, kind, a.threads, folder))
                theirs.append(peer(python, kind, a.threads))
            m = statistics.median([x[0] for x in mine]), statistics.median([x[1] for x in mine])
            t = statistics.median([x[0] for x in theirs]), statistics.median([x[1] for x in theirs])
            rows.append((kind, MODELS[kind]["batch"], m, t))
            print(f"{kind}: adam-bench {mine} ms, PyTorch {theirs} ms (step, evaluation)", file=sys.stderr)
    print(f"# {time.strftime('%Y-%m-%d')}, {cpu}, {a.threads} threads, FMA loop {peak} GFLOP/s; medians of {a.rounds} alternating rounds")
    print("| model | batch | adam-bench ms/step | PyTorch ms/step | ratio | adam-bench ms/eval | PyTorch ms/eval | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind, batch, m, t in rows:
        print(f"| {kind} | {batch} | {m[0]:.3f} | {t[0]:.3f} | {t[0] / m[0]:.2f}x | {m[1]:.3f} | {t[1]:.3f} | {t[1] / m[1]:.2f}x |")


if __name__ == "__main__":
    main()
