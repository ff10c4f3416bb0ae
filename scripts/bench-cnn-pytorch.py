#!/usr/bin/env python3
"""The Figure 3 CNN in PyTorch, timed the way `adam-bench bench train` times ours: a benchmarking
peer only (never a dependency of adam-bench or its tests). Same shapes, batch, threads, dropout
and optimizer: conv 5x5 pad 2 -> ReLU -> max-pool 3/2 pad 1 for 64, 64, 128 channels; fc 2048 ->
1000 ReLU (dropout 0.5) -> 10; input dropout 0.2; Adam. Prints median ms per training step and
per forward-only evaluation step of the batch, over --steps steps after --warmup.

  ~/peer-venv/bin/python scripts/bench-cnn-pytorch.py --threads 2 --batch 128
"""
import argparse, statistics, time
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--no-dropout", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)

def block(cin, cout):
    return [nn.Conv2d(cin, cout, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1)]

drop_in, drop_hidden = (0.0, 0.0) if a.no_dropout else (0.2, 0.5)
model = nn.Sequential(nn.Dropout(drop_in), *block(3, 64), *block(64, 64), *block(64, 128), nn.Flatten(),
                      nn.Linear(2048, 1000), nn.ReLU(), nn.Dropout(drop_hidden), nn.Linear(1000, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x = torch.randn(a.batch, 3, 32, 32)
y = torch.randint(0, 10, (a.batch,))

def train_step():
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()

def eval_step():
    with torch.no_grad():
        model.eval()
        loss_fn(model(x), y)
        model.train()

for name, fn in (("train", train_step), ("eval", eval_step)):
    for _ in range(a.warmup):
        fn()
    times = []
    for _ in range(a.steps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    ms = statistics.median(times) * 1000
    print(f"pytorch,{name},{a.threads},{a.batch},{a.batch / ms * 1000:.1f},{ms:.2f}")
