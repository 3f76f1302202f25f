"""A small DDP training loop for the hook's checks and its benchmark.

``torchrun --nproc-per-node=2 -m reference_impl.distributed.ddp_train check --out DIR`` writes
``DIR/check.json``: whether the hook with the identity compressor gave the same parameters as plain DDP
after every step (bit for bit), the losses of top-k with error feedback, and whether every rank holds
the same parameters after compressed AMSGrad. ``compare`` trains the same model with plain DDP, our
hook (identity, top-k + EF, scaled sign + EF, rand-k, QSGD), PyTorch's PowerSGD and fp16 hooks, and writes accuracy
after the same steps, bytes per step and step time (``DIR/compare.json``; benchmarks/bench_distributed.py).

The data: a fixed teacher network labels Gaussian inputs (4 classes); each rank holds its own shard.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from reference_impl.distributed.ddp_hook import CompressionState, compressed_allreduce_hook
from reference_impl.distributed.config import parse_compressor

D_IN, HIDDEN, CLASSES = 16, 32, 4


def make_data(rank: int, n: int, seed: int = 0):
    """``n`` inputs and teacher labels for one rank (rank -1: the shared test set)."""
    teacher = torch.Generator().manual_seed(seed)
    W1, W2 = torch.randn(D_IN, HIDDEN, generator=teacher), torch.randn(HIDDEN, CLASSES, generator=teacher)
    g = torch.Generator().manual_seed(seed * 1000 + rank + 1)
    X = torch.randn(n, D_IN, generator=g)
    y = (torch.tanh(X @ W1) @ W2).argmax(dim=1)
    return X, y


def make_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(D_IN, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, CLASSES))


def ddp(model, hook=None):
    m = nn.parallel.DistributedDataParallel(model)
    if hook is not None:
        m.register_comm_hook(*hook)
    return m


def step(model, opt, X, y, k: int, batch: int) -> float:
    i = (k * batch) % X.shape[0]
    xb, yb = X[i:i + batch], y[i:i + batch]
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    return float(loss)


def global_loss(model, X, y) -> float:
    with torch.no_grad():
        t = torch.tensor([float(nn.functional.cross_entropy(model(X), y))])
    dist.all_reduce(t)
    return float(t) / dist.get_world_size()


def flat(model) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def same_on_all_ranks(t: torch.Tensor) -> bool:
    world = dist.get_world_size()
    parts = [torch.zeros_like(t) for _ in range(world)]
    dist.all_gather(parts, t)
    return all(torch.equal(parts[0], p) for p in parts[1:])


def check(out: Path, steps: int = 30, batch: int = 32) -> dict:
    rank = dist.get_rank()
    X, y = make_data(rank, 256)
    ident = CompressionState(parse_compressor("identity"))
    plain, ours = ddp(make_model()), ddp(make_model(), (ident, compressed_allreduce_hook))
    o1, o2 = torch.optim.SGD(plain.parameters(), lr=0.1), torch.optim.SGD(ours.parameters(), lr=0.1)
    equal_each_step = []
    for k in range(steps):
        step(plain, o1, X, y, k, batch)
        step(ours, o2, X, y, k, batch)
        equal_each_step.append(bool(torch.equal(flat(plain), flat(ours))))
    # top-k with error feedback: SGD, and compressed AMSGrad
    d = sum(p.numel() for p in make_model().parameters())
    k_keep = max(1, d // 20)
    res = dict(equal_each_step=equal_each_step, identity_hook_calls=ident.calls, d=d, k=k_keep)
    for name, make_opt in (("sgd", lambda p: torch.optim.SGD(p, lr=0.2)),
                           ("amsgrad", lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True))):
        state = CompressionState(parse_compressor(f"top-{k_keep}"), error_feedback=True)
        m = ddp(make_model(), (state, compressed_allreduce_hook))
        opt = make_opt(m.parameters())
        losses = [global_loss(m, X, y)]
        for k in range(4 * steps):
            step(m, opt, X, y, k, batch)
        losses.append(global_loss(m, X, y))
        res[f"topk_{name}"] = dict(loss_start=losses[0], loss_end=losses[-1],
                                   same_parameters_on_all_ranks=same_on_all_ranks(flat(m)),
                                   payload_bytes_per_step=state.payload_bytes / state.calls,
                                   dense_bytes_per_step=state.dense_bytes / state.calls)
    return res


def powersgd_bytes(model, rank: int, min_compression_rate: float = 2.0) -> int:
    """Bytes per step of PowerSGD's hook after its warm-up, by its rule (estimated, not measured): a
    matrix n x m is sent as P (n x r) and Q (m x r) in float32 when ``n m >= rate r (n + m)``, else whole;
    vectors (biases) whole."""
    total = 0
    for p in model.parameters():
        if p.dim() >= 2:
            n, m = p.shape[0], p[0].numel()
            total += 4 * (rank * (n + m) if n * m >= min_compression_rate * rank * (n + m) else n * m)
        else:
            total += 4 * p.numel()
    return total


def compare(steps: int = 300, batch: int = 32) -> dict:
    """Plain DDP, our hook with several compressors, PowerSGD and fp16: same model, data and steps."""
    from torch.distributed.algorithms.ddp_comm_hooks import default_hooks, powerSGD_hook

    rank = dist.get_rank()
    X, y = make_data(rank, 2048)
    Xt, yt = make_data(-1, 4096)
    d = sum(p.numel() for p in make_model().parameters())
    runs = {"ddp (float32 all-reduce)": None, "fp16 hook": "fp16", "PowerSGD rank 2 (bytes est.)": "powersgd"}
    for c in ("identity", f"top-{d // 100}", f"top-{d // 10}", "sign", f"rand-{d // 10}", "qsgd-4"):
        ef = c.startswith("top") or c == "sign"  # error feedback for the biased (contractive) ones
        runs[f"ours {c}" + (" + EF" if ef else "")] = (c, ef)
    results = {}
    for label, kind in runs.items():
        model = make_model()
        state = None
        if kind is None:
            m, bytes_per_step = ddp(model), 4 * d
        elif kind == "fp16":
            m, bytes_per_step = ddp(model, (None, default_hooks.fp16_compress_hook)), 2 * d
        elif kind == "powersgd":
            ps = powerSGD_hook.PowerSGDState(process_group=None, matrix_approximation_rank=2,
                                             start_powerSGD_iter=2, use_error_feedback=True, warm_start=True)
            m = ddp(model, (ps, powerSGD_hook.powerSGD_hook))
            bytes_per_step = powersgd_bytes(model, rank=2)
        else:
            state = CompressionState(parse_compressor(kind[0]), error_feedback=kind[1])
            m = ddp(model, (state, compressed_allreduce_hook))
            bytes_per_step = None
        opt = torch.optim.SGD(m.parameters(), lr=0.2)
        dist.barrier()
        t0 = time.perf_counter()
        for k in range(steps):
            step(m, opt, X, y, k, batch)
        wall = time.perf_counter() - t0
        with torch.no_grad():
            acc = float((m(Xt).argmax(dim=1) == yt).float().mean())
        if state is not None:
            bytes_per_step = state.payload_bytes / state.calls
        results[label] = dict(test_accuracy=acc, train_loss=global_loss(m, X, y), bytes_per_step=bytes_per_step,
                              step_ms=1000 * wall / steps)
    return dict(d=d, steps=steps, batch=batch, world=dist.get_world_size(), runs=results)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m reference_impl.distributed.ddp_train")
    p.add_argument("mode", choices=("check", "compare"))
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=None)
    args = p.parse_args(argv)
    dist.init_process_group("gloo")
    torch.set_num_threads(1)
    res = check(Path(args.out), **({"steps": args.steps} if args.steps else {})) if args.mode == "check" \
        else compare(**({"steps": args.steps} if args.steps else {}))
    if dist.get_rank() == 0:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        from reference_impl.runner import atomic_write
        with atomic_write(out / f"{args.mode}.json") as f:
            json.dump(res, f, indent=1)
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
