#!/usr/bin/env python3
"""Figure 3's network, data and optimizer in PyTorch, written independently of adam-bench, to
check that our training costs are what the same setup gives elsewhere. A cross-check only:
PyTorch and NumPy come from ~/peer-venv (see bench-vs-pytorch.py); adam-bench never depends on them.

  ~/peer-venv/bin/python scripts/crosscheck-cnn-pytorch.py [--arm adam|sgd-nesterov|adam-dropout|...]
      [--epochs 3] [--threads 1] [--seed 1] [--data data/cifar-10-batches-bin]

Same as configs/cifar10-cnn.json: the five CIFAR-10 training batches, pixels / 255, ZCA with
epsilon 0.1 (here by a float64 eigendecomposition in NumPy: W = U (S + eps)^-1/2 U^T of the
covariance over the training images, after subtracting the per-pixel mean; adam-bench uses a
Newton-Schulz iteration in float32), c64-c64-c128-1000 with 5x5 same convolutions, ReLU, 3x3/2
max-pool with padding 1, Glorot-uniform weights and zero biases, minibatch 128 reshuffled every
epoch (the last batch of 80 included), the arm's optimizer and rate. Minibatch order, dropout
masks and initial weights come from PyTorch's generator, so the curves agree with ours in
distribution, not bit for bit. Prints epoch,train_loss: the mean minibatch loss of each epoch.
"""
import argparse, glob, os, sys, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F

ARMS = {  # optimizer, rate, dropout: configs/cifar10-cnn.json
    "adam": ("adam", 3e-4, False), "adam-dropout": ("adam", 3e-4, True),
    "sgd-nesterov": ("nesterov", 0.03, False), "sgd-nesterov-dropout": ("nesterov", 0.03, True),
    "adagrad": ("adagrad", 3e-3, False), "adagrad-dropout": ("adagrad", 3e-3, True),
}


def load(folder):
    files = sorted(glob.glob(os.path.join(folder, "data_batch_*.bin")))
    if len(files) != 5:
        sys.exit(f"crosscheck: expected data_batch_1..5.bin in {folder} (make data)")
    raw = np.concatenate([np.fromfile(f, dtype=np.uint8).reshape(-1, 3073) for f in files])
    return raw[:, 1:].astype(np.float32) / 255, raw[:, 0].astype(np.int64)


def zca(x, eps):
    mean = x.mean(axis=0, dtype=np.float64)
    xc = x.astype(np.float64) - mean
    cov = xc.T @ xc / len(x)
    s, u = np.linalg.eigh(cov)
    w = (u / np.sqrt(s + eps)) @ u.T
    return (xc @ w).astype(np.float32)


def network(dropout):
    def block(i, o):
        return [nn.Conv2d(i, o, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1)]
    layers = ([nn.Dropout(0.2)] if dropout else []) + block(3, 64) + block(64, 64) + block(64, 128) + \
             [nn.Flatten(), nn.Linear(2048, 1000), nn.ReLU()] + ([nn.Dropout(0.5)] if dropout else []) + [nn.Linear(1000, 10)]
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arm", default="adam", choices=sorted(ARMS))
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "cifar-10-batches-bin"))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    kind, lr, dropout = ARMS[a.arm]
    t0 = time.time()
    x, y = load(a.data)
    x = torch.from_numpy(zca(x, 0.1)).reshape(-1, 3, 32, 32)
    y = torch.from_numpy(y)
    print(f"# whitened in {time.time() - t0:.0f} s", file=sys.stderr)
    model = network(dropout)
    opt = {"adam": lambda: torch.optim.Adam(model.parameters(), lr=lr),
           "nesterov": lambda: torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True),
           "adagrad": lambda: torch.optim.Adagrad(model.parameters(), lr=lr)}[kind]()
    print("epoch,train_loss")
    for epoch in range(1, a.epochs + 1):
        model.train()
        order = torch.randperm(len(x))
        losses = []
        t = time.time()
        for i in range(0, len(x), 128):
            idx = order[i:i + 128]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        print(f"{epoch},{np.mean(losses):.7g}", flush=True)
        print(f"# epoch {epoch}: {time.time() - t:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
