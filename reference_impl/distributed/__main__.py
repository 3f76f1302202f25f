"""``torchrun --standalone --nnodes=1 --nproc-per-node=N+1 -m reference_impl.distributed ...``

Rank 0 is the server, ranks 1..N the workers. Exit codes: 0 the run completed (or a worker was told the
run is over), 2 bad input (one line naming the parameter and its range), 3 a rank was lost (the server
says which and in which round; finished rounds kept, status interrupted), 4 internal error.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys


def parser(add_help: bool = True) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reference_impl.distributed", add_help=add_help,
                                description="Run one algorithm with a server rank and N worker ranks "
                                            "(start with torchrun --nproc-per-node=N+1).")
    p.add_argument("--algorithm", default="diana",
                   help="diana, mcm, ef21-sgd, neolithic, compams, lena or iade; a comma-separated list runs each in turn "
                        "(results in OUT/<algorithm>)")
    p.add_argument("--rounds", type=int, default=2, help="NEOLITHIC's FCC rounds R")
    p.add_argument("--beta", type=float, default=0.5, help="LENA's trigger threshold")
    p.add_argument("--drift", default="momentum", help="LENA's drift: zero, gradient, v, momentum, uniform")
    p.add_argument("--dim", type=int, default=6, help="dimension d of the least-squares problem")
    p.add_argument("--rows", type=int, default=8, help="data rows per worker")
    p.add_argument("--batch", type=int, default=None, help="minibatch rows per worker (default: exact gradients)")
    p.add_argument("--gamma", type=float, default=0.1, help="step size")
    p.add_argument("--up", default="rand-2", help="uplink compressor: identity, sign, top-K, rand-K, qsgd-S")
    p.add_argument("--down", default="identity", help="downlink compressor (MCM)")
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", default="numpy", help="numpy, torch-cpu or torch-cuda (NCCL)")
    p.add_argument("--transport", default="gloo", choices=("gloo", "nccl"),
                   help="torch.distributed backend of the messages: gloo (CPU tensors; any --backend) or nccl "
                        "(one GPU per process); --backend torch-cuda computes on the GPU with either")
    p.add_argument("--no-residual", action="store_true",
                   help="send only the encoders' bytes (float32 values): the deployment, not bitwise equal")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds a rank waits for a message")
    p.add_argument("--out", default="distributed-run", help="folder of the server's results")
    p.add_argument("--die-at", default=None, help="RANK:ROUND, fault injection: that worker kills itself")
    p.add_argument("--stall-at", default=None, help="RANK:ROUND, fault injection: that worker stops answering")
    return p


def _pair(text, name):
    if text is None:
        return None
    try:
        r, k = (int(v) for v in text.split(":"))
        return r, k
    except ValueError:
        raise ValueError(f"{name} must be RANK:ROUND with integers, got {text!r}") from None


def configs(args, workers: int):
    """The RunConfig of each (algorithm, backend) asked for, checked (ValueError naming the parameter)."""
    from reference_impl.distributed.config import RunConfig

    algorithms, backends = args.algorithm.split(","), args.backend.split(",")
    many = len(algorithms) * len(backends) > 1
    cfgs = [RunConfig(algorithm=a, workers=workers, d=args.dim, rows=args.rows, batch=args.batch,
                      gamma=args.gamma, up=args.up, down=args.down, iterations=args.iterations,
                      rounds=args.rounds, beta=args.beta, drift=args.drift, seed=args.seed, backend=b, residual=not args.no_residual,
                      timeout=args.timeout, out=os.path.join(args.out, f"{a}-{b}") if many else args.out,
                      die_at=_pair(args.die_at, "--die-at"), stall_at=_pair(args.stall_at, "--stall-at"))
            for a in algorithms for b in backends]
    for cfg in cfgs:
        cfg.check()
    return cfgs


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    rank, world = int(os.environ.get("RANK", "-1")), int(os.environ.get("WORLD_SIZE", "0"))
    try:
        if rank < 0 or world < 2:
            raise ValueError("RANK and WORLD_SIZE must be set with WORLD_SIZE >= 2 (one server and N >= 1 workers): "
                             "start with torchrun --standalone --nnodes=1 --nproc-per-node=N+1")
        cfgs = configs(args, world - 1)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import torch
    import torch.distributed as dist
    from reference_impl.distributed.ps import run_server, run_worker
    from reference_impl.distributed.wire import Channel

    wants_cuda = any(c.backend == "torch-cuda" for c in cfgs)
    if (wants_cuda or args.transport == "nccl") and not torch.cuda.is_available():
        print("error: backend torch-cuda and transport nccl need a CUDA device; use numpy or torch-cpu with gloo",
              file=sys.stderr)
        return 2
    use_nccl = args.transport == "nccl"
    if use_nccl and torch.cuda.device_count() < world:
        print(f"error: transport nccl needs one GPU per process ({world}), found {torch.cuda.device_count()}; "
              "use --transport gloo (the computation still runs on the GPU with --backend torch-cuda)",
              file=sys.stderr)
        return 2
    device = f"cuda:{int(os.environ.get('LOCAL_RANK', rank))}" if use_nccl else "cpu"
    if wants_cuda:
        torch.cuda.set_device(device if use_nccl else 0)
    # the group (rendezvous) waits at least a minute for slow starters; each message waits --timeout
    dist.init_process_group("nccl" if use_nccl else "gloo",
                            timeout=datetime.timedelta(seconds=max(60.0, cfgs[0].timeout)))
    code = 0
    try:
        import warnings

        from reference_impl.algorithms.base import TheoryRangeWarning
        if rank != 0:      # the theory's step-size warnings are the server's to give (N = 1 on a worker)
            warnings.simplefilter("ignore", TheoryRangeWarning)
        for cfg in cfgs:
            channel = Channel(dist, rank, cfg.timeout, device)
            code = run_server(cfg, channel) if rank == 0 else run_worker(cfg, channel, rank)
            if code:
                break
    except Exception as exc:  # one line, no traceback
        print(f"error (rank {rank}): {type(exc).__name__}: {exc}", file=sys.stderr)
        if os.environ.get("REPRO_DEBUG"):
            import traceback
            traceback.print_exc()
        code = 4
    if code == 0:
        dist.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)          # a lost peer can make the group's teardown wait; the results are written


if __name__ == "__main__":
    sys.exit(main())
