#!/usr/bin/env python3
"""adam-bench's CNN against PyTorch, step by step: the same starting parameters, the same
minibatches in the same order, and every minibatch loss compared, for both convolution
algorithms ("direct" and "winograd"). A cross-check only: PyTorch and NumPy come from
~/peer-venv (see bench-vs-pytorch.py); adam-bench never depends on them.

  ~/peer-venv/bin/python scripts/crosscheck-cnn-steps.py [--arms adam,sgd] [--hidden 100]
      [--seed 1] [--tolerance 1e-3] [--keep]
  (BIN=path/to/adam-bench to check another build; default: .build/release/adam-bench of `make build`)

In a temporary folder it writes a CIFAR-10 binary folder (README: Data; each training batch must
hold the official 10,000 records, so data_batch_1.bin starts with 640 random images with random
labels, seeded, and the rest of the 50,000 records are zeros that `train_limit` 640 leaves out;
test_batch.bin holds 64 random images). PyTorch builds c64-c64-c128-HIDDEN-10 as the README's
Configs section describes the `cnn` model (5x5 convolutions, stride 1, padding 2, ReLU, 3x3/2
max-pool with padding 1, flatten in (channel, row, column) order, ReLU hidden layers), with
PyTorch's own default initialisation (seeded; not adam-bench's Glorot-uniform, so the biases
start nonzero too), checks its tensors' names and shapes against `adam-bench params` and saves
them as the .npy that `"init": {"from": ...}` reads (README: Parameters in and out, in PyTorch's
order). adam-bench then trains 2 epochs of 10 minibatches of 64 (`shuffle` false: file order;
preprocess none: pixels / 255, as Sources/Datasets/CIFAR10.swift scales them; no dropout;
`log_every` 1, so curves.csv's `train_loss` at iteration i is the loss of minibatch i at the
parameters before its step), once per convolution algorithm, one thread. PyTorch trains the same
minibatches with torch.optim's Adam (lr 1e-3) and, with --arms, SGD (lr 0.01, momentum 0.9).
Prints each step's loss from the three and the largest relative difference per algorithm over the
20 steps, which decides: exit 1 if one exceeds the tolerance. Also printed, for information, the
evaluation losses at epochs 0, 1, 2 (the whole 640 training images and the 64 test images, after
each epoch's steps), their largest difference, and for how many steps from the first each
algorithm stays within 1e-5.

The trajectories part slowly even without a mistake: ReLU masks and max-pool maxima whose inputs
lie within rounding of each other switch, and Adam's first steps (about lr·sign(g)) turn a
gradient component's rounding into a full step when the component is near 0. The direct
convolutions round almost as PyTorch does (about 1e-7 of the loss for the first several steps);
Winograd's forward rounds about 1e-5 of the output's RMS, which switches enough of them to move
the convolutions' weight gradients by about 1e-3 relative from step 1 (PyTorch's own gradients
move as much when its convolution outputs get noise of 1e-5 of their RMS), and the losses by up
to a few 1e-4 within 20 steps. The tolerance on the loss is loose for some mistakes: near chance
the loss hardly depends on the weights, so pixels / 256 instead of / 255 stays under 1e-3 (8e-4
here) and Adam's eps 1e-6 for 1e-8 only just exceeds it; a wrong flattening order shows at step 1.
"""
import argparse, csv, json, os, shutil, subprocess, sys, tempfile
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN, TEST, BATCH, EPOCHS = 640, 64, 64, 2
RECORDS = 10_000  # per training batch file: adam-bench accepts only the official size
CONV, KERNEL = [64, 64, 128], 5
ALGORITHMS = ["direct", "winograd"]
# Each arm: adam-bench's arm and the torch.optim optimizer with the same update.
ARMS = {
    "adam": ({"optimizer": "adam", "lr": 1e-3}, lambda ps: torch.optim.Adam(ps, lr=1e-3)),
    "sgd": ({"optimizer": "sgd", "lr": 0.01, "momentum": 0.9}, lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9)),
}


def write_data(folder, rng):
    """The CIFAR-10 binary format: records of 1 label byte and 3072 pixel bytes (R, G, B planes)."""
    os.makedirs(folder)
    train = np.zeros((5 * RECORDS, 3073), dtype=np.uint8)
    train[:TRAIN, 0] = rng.integers(0, 10, TRAIN)
    train[:TRAIN, 1:] = rng.integers(0, 256, (TRAIN, 3072))
    for i in range(5):
        train[i * RECORDS:(i + 1) * RECORDS].tofile(os.path.join(folder, f"data_batch_{i + 1}.bin"))
    test = np.empty((TEST, 3073), dtype=np.uint8)
    test[:, 0] = rng.integers(0, 10, TEST)
    test[:, 1:] = rng.integers(0, 256, (TEST, 3072))
    test.tofile(os.path.join(folder, "test_batch.bin"))

    def tensors(records):  # pixels / 255 in float32, (channel, row, column): NCHW
        x = records[:, 1:].astype(np.float32) / np.float32(255)
        return torch.from_numpy(x.reshape(-1, 3, 32, 32)), torch.from_numpy(records[:, 0].astype(np.int64))
    return tensors(train[:TRAIN]), tensors(test)


class Net(nn.Module):
    """conv1 … conv3, fc1 … : modules in adam-bench's parameter order, under its names."""

    def __init__(self, hidden):
        super().__init__()
        channels, size = 3, 32
        for i, out in enumerate(CONV, 1):
            setattr(self, f"conv{i}", nn.Conv2d(channels, out, KERNEL, padding=(KERNEL - 1) // 2))
            channels, size = out, (size + 2 - 3) // 2 + 1
        widths = [channels * size * size] + hidden + [10]
        for i in range(len(widths) - 1):
            setattr(self, f"fc{i + 1}", nn.Linear(widths[i], widths[i + 1]))
        self.layers = len(widths) - 1

    def forward(self, x):
        for i in range(1, len(CONV) + 1):
            x = F.max_pool2d(F.relu(getattr(self, f"conv{i}")(x)), 3, stride=2, padding=1)
        x = x.flatten(1)
        for i in range(1, self.layers):
            x = F.relu(getattr(self, f"fc{i}")(x))
        return getattr(self, f"fc{self.layers}")(x)


def config(name, hidden, algorithm, arms, start):
    return {"name": name, "description": "crosscheck-cnn-steps.py: one algorithm against PyTorch",
            "dataset": {"name": "cifar10", "path": "cifar-10-batches-bin", "train_limit": TRAIN, "preprocess": "none"},
            "model": {"kind": "cnn", "conv": CONV, "kernel": KERNEL, "pool": {"size": 3, "stride": 2, "pad": 1},
                      "hidden": hidden, "conv_algorithm": algorithm, "init": {"from": start}},
            "training": {"epochs": EPOCHS, "batch_size": BATCH, "shuffle": False, "log_every": 1,
                         "checkpoint_every_epochs": 0},
            "arms": [dict(ARMS[a][0], name=a) for a in arms]}


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"crosscheck: {' '.join(cmd)} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r.stdout


def check_layout(binary, path, model):
    """adam-bench's tensors (params: name,shape,offset,count,init) must be PyTorch's, in order."""
    rows = list(csv.DictReader(run([binary, "params", path]).splitlines()))
    ours = [(r["name"], r["shape"]) for r in rows]
    theirs = [(n, "x".join(map(str, t.shape))) for n, t in model.named_parameters()]
    if ours != theirs:
        sys.exit(f"crosscheck: parameter layouts differ\n  adam-bench: {ours}\n  PyTorch:    {theirs}")


def read_curves(path, arm):
    """From curves.csv: per iteration 1..N the minibatch loss (train_loss of a log_every 1 row), and
    the evaluation losses of the epoch rows (eval_train_loss, test_loss), by epoch."""
    steps, evals = {}, {}
    for r in csv.DictReader(open(path)):
        if r["arm"] != arm:
            continue
        it = int(r["iteration"])
        if r["train_loss"]:
            if it in steps and steps[it] != float(r["train_loss"]):
                sys.exit(f"crosscheck: {path}: two train_loss values at iteration {it}")
            steps[it] = float(r["train_loss"])
        if r["eval_train_loss"]:
            evals[it // (TRAIN // BATCH)] = (float(r["eval_train_loss"]), float(r["test_loss"]))
    n = EPOCHS * (TRAIN // BATCH)
    if sorted(steps) != list(range(1, n + 1)) or sorted(evals) != list(range(EPOCHS + 1)):
        sys.exit(f"crosscheck: {path}: expected train_loss at iterations 1..{n} and evaluations at epochs 0..{EPOCHS}, "
                 f"got iterations {sorted(steps)} and epochs {sorted(evals)}")
    return [steps[i] for i in range(1, n + 1)], [evals[e] for e in range(EPOCHS + 1)]


def pytorch(model, make_optimizer, train, test):
    """Minibatch losses before each step, and (train, test) evaluation losses at each epoch end."""
    (x, y), (tx, ty) = train, test
    opt = make_optimizer(model.parameters())

    def evaluate():
        with torch.no_grad():
            return F.cross_entropy(model(x), y).item(), F.cross_entropy(model(tx), ty).item()
    steps, evals = [], [evaluate()]
    for _ in range(EPOCHS):
        for i in range(0, TRAIN, BATCH):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[i:i + BATCH]), y[i:i + BATCH])
            loss.backward()
            opt.step()
            steps.append(loss.item())
        evals.append(evaluate())
    return steps, evals


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arms", default="adam", help="comma-separated: adam, sgd")
    p.add_argument("--hidden", default="100", help="fully connected widths, comma-separated; empty for none")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tolerance", type=float, default=1e-3, help="largest relative difference allowed")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    a = p.parse_args()
    arms = a.arms.split(",")
    if any(arm not in ARMS for arm in arms):
        sys.exit(f"crosscheck: --arms: choose from {', '.join(ARMS)}")
    hidden = [int(h) for h in a.hidden.split(",") if h]
    binary = os.environ.get("BIN") or os.path.join(ROOT, ".build", "release", "adam-bench")
    if not os.path.exists(binary):
        sys.exit(f"crosscheck: {binary} not found: run `make build` or set BIN")
    torch.set_num_threads(1)
    tmp = tempfile.mkdtemp(prefix="crosscheck-cnn-steps.")
    try:
        train, test = write_data(os.path.join(tmp, "cifar-10-batches-bin"), np.random.default_rng(a.seed))
        torch.manual_seed(a.seed)
        model = Net(hidden)
        start = {n: t.detach().clone() for n, t in model.named_parameters()}
        np.save(os.path.join(tmp, "start.npy"), torch.cat([t.detach().flatten() for t in model.parameters()]).numpy())

        ours = {}  # algorithm -> arm -> (steps, evals)
        for alg in ALGORITHMS:
            path = os.path.join(tmp, f"{alg}.json")
            with open(path, "w") as f:
                json.dump(config(f"steps-{alg}", hidden, alg, arms, "start.npy"), f, indent=1)
            if alg == ALGORITHMS[0]:
                check_layout(binary, path, model)
            run([binary, "run", path, "--threads", "1", "--data-dir", tmp, "--out", os.path.join(tmp, "out"), "--quiet"])
            curves = os.path.join(tmp, "out", f"steps-{alg}", "curves.csv")
            ours[alg] = {arm: read_curves(curves, arm) for arm in arms}

        CLOSE = 1e-5  # for information: how many steps each algorithm stays this close from the start
        STEPS = EPOCHS * (TRAIN // BATCH)
        agree = {alg: STEPS for alg in ALGORITHMS}  # the fewest over the arms
        worst = {alg: 0.0 for alg in ALGORITHMS}  # over the steps: the verdict
        worst_eval = {alg: 0.0 for alg in ALGORITHMS}  # over the evaluations: information

        def rel(mine, ref, alg, into=worst):
            d = abs(mine - ref) / abs(ref)
            into[alg] = max(into[alg], d)
            return d
        net = "-".join(f"c{c}" for c in CONV) + "".join(f"-{h}" for h in hidden) + "-10"
        print(f"# {net}; {TRAIN} random images, batch {BATCH}, {EPOCHS} epochs, seed {a.seed}; {binary}")
        for arm in arms:
            with torch.no_grad():
                for n, t in model.named_parameters():
                    t.copy_(start[n])
            steps, evals = pytorch(model, ARMS[arm][1], train, test)
            print(f"\n{arm}: minibatch loss before each step (curves.csv train_loss, log_every 1)")
            parted = {alg: None for alg in ALGORITHMS}
            print(f"{'step':>4} {'PyTorch':>12} {'direct':>12} {'winograd':>12} {'rel direct':>11} {'rel winograd':>12}")
            for i, ref in enumerate(steps):
                d, w = ours["direct"][arm][0][i], ours["winograd"][arm][0][i]
                for alg, v in [("direct", d), ("winograd", w)]:
                    if parted[alg] is None and abs(v - ref) > CLOSE * abs(ref):
                        parted[alg] = i
                        agree[alg] = min(agree[alg], i)
                print(f"{i + 1:>4} {ref:>12.7g} {d:>12.7g} {w:>12.7g} {rel(d, ref, 'direct'):>11.2e} {rel(w, ref, 'winograd'):>12.2e}")
            print(f"\n{arm}: evaluation after each epoch, for information (eval_train_loss over {TRAIN} images, test_loss over {TEST})")
            print(f"{'epoch':>5} {'set':>5} {'PyTorch':>12} {'direct':>12} {'winograd':>12} {'rel direct':>11} {'rel winograd':>12}")
            for e, refs in enumerate(evals):
                for k, name in enumerate(["train", "test"]):
                    ref, d, w = refs[k], ours["direct"][arm][1][e][k], ours["winograd"][arm][1][e][k]
                    print(f"{e:>5} {name:>5} {ref:>12.7g} {d:>12.7g} {w:>12.7g} {rel(d, ref, 'direct', worst_eval):>11.2e} {rel(w, ref, 'winograd', worst_eval):>12.2e}")
        print()
        failed = False
        for alg in ALGORITHMS:
            ok = worst[alg] <= a.tolerance
            failed |= not ok
            print(f"{alg}: largest relative difference over the {STEPS} steps {worst[alg]:.2e} "
                  f"({'within' if ok else 'ABOVE'} {a.tolerance:g}); over the evaluations {worst_eval[alg]:.2e}; "
                  f"within {CLOSE:g} for the first {agree[alg]} steps")
        if a.keep:
            print(f"kept {tmp}")
        sys.exit(1 if failed else 0)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
