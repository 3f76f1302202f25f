"""What a distributed run is: the algorithms it can run (``ALGORITHMS``), its configuration
(:class:`RunConfig`), the seeded problem every rank rebuilds, a worker's shard, and the simulation a run
must equal (:func:`simulate`).

Every algorithm is the library's own factory; a :class:`Spec` says how its server's model reaches the
workers (see :mod:`reference_impl.distributed.ps`).
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Callable

import numpy as np

from reference_impl.algorithms.base import Algorithm
from reference_impl.algorithms.compams import compams
from reference_impl.algorithms.diana import diana
from reference_impl.algorithms.ef21_sgd import ef21_sgd
from reference_impl.algorithms.iade import iade
from reference_impl.algorithms.mcm import mcm
from reference_impl.algorithms.neolithic import neolithic
from reference_impl.backends import get_backend
from reference_impl.compressors.qsgd import QSGD
from reference_impl.compressors.sign import ScaledSign
from reference_impl.compressors.sparsification import Identity, RandK, TopK
from reference_impl.compressors.uniform import UniformQuantizer
from reference_impl.distributed import lena_roles
from reference_impl.distributed.codecs import codec_for
from reference_impl.problems import LeastSquaresProblem, _PaddedDataProblem


# -- what can run -----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Spec:
    build: Callable[..., Algorithm]    # (config, up, down) -> Algorithm
    model_field: str | None | Callable  # state field the server's broadcast model goes into (or f(config))
    server_only: tuple[str, ...] = ()
    server: Callable | None = None          # (config, inner, link, sampler) -> the server's Algorithm (split halves)
    worker_messages: Callable | None = None  # (config, state, info) -> rows a worker uploads after its step
    quantizers: Callable | None = None     # config -> (up, down) compressor objects, instead of --up/--down
    announce_round: int | None = None      # the round whose norms / radius are announced (IADE: 1)

    def field(self, cfg) -> str | None:
        return self.model_field(cfg) if callable(self.model_field) else self.model_field


#: The algorithms the parameter-server path runs: name -> :class:`Spec`.
#:
#: :meta hide-value:
ALGORITHMS = {
    "diana": Spec(lambda c, up, down: diana(c.gamma, up, batch=c.batch), "w"),
    "mcm": Spec(lambda c, up, down: mcm(c.gamma, up, down, batch=c.batch), None, ("w",)),
    "ef21-sgd": Spec(lambda c, up, down: ef21_sgd(c.gamma, up, batch=c.batch), "x", ("g",)),
    # NEOLITHIC: R-round FCC on both links; bidirectional when the downlink compressor is not the identity
    # (then every worker applies the broadcast c itself), else the server broadcasts the model.
    "neolithic": Spec(lambda c, up, down: neolithic(c.gamma, up, c.rounds, bidirectional=c.down != "identity",
                                                    server_compressor=down, batch=c.batch),
                      lambda c: None if c.down != "identity" else "x", ("v_server",)),
    # COMP-AMS (002, Algorithm 1): compressed g + e up, AMSGrad on the server, the model broadcast.
    "compams": Spec(lambda c, up, down: compams(c.gamma, up, batch=c.batch), "x", ("m", "v", "v_hat")),
    # IADE (000, Algorithm 1): the lattice quantizer both ways; round 0's radii announced (see roles).
    "iade": Spec(lambda c, up, down: iade(c.gamma, c.c_prime, c.s, dist0=c.dist0, up_quantizer=up,
                                          down_quantizer=down), None,
                 quantizers=lambda c: (UniformQuantizer(), UniformQuantizer()), announce_round=1),
    # LENA (003): explicit worker / server halves (reference_impl.distributed.lena_roles).
    "lena": Spec(lena_roles.build, "w", (), lena_roles.lena_server, lena_roles.worker_messages),
}


def parse_compressor(text: str):
    """``identity``, ``sign`` (scaled sign, one block), ``top-K``, ``rand-K``, ``qsgd-S`` (ValueError naming
    the allowed forms otherwise)."""
    t = str(text).strip().lower()
    try:
        if t == "identity":
            return Identity()
        if t == "sign":
            return ScaledSign()
        kind, _, num = t.partition("-")
        n = int(num)
        if kind == "top":
            return TopK(n)
        if kind == "rand":
            return RandK(n)
        if kind == "qsgd":
            return QSGD(n)
    except ValueError as exc:
        if "invalid literal" not in str(exc):
            raise
    raise ValueError(f"compressor must be identity, sign, top-K, rand-K or qsgd-S with an integer K/S >= 1, "
                     f"got {text!r}")


@dataclasses.dataclass
class RunConfig:
    algorithm: str = "diana"
    workers: int = 3
    d: int = 6
    rows: int = 8
    batch: int | None = None
    gamma: float = 0.1
    up: str = "rand-2"
    down: str = "identity"
    iterations: int = 10
    rounds: int = 2                           # NEOLITHIC's R
    beta: float = 0.5                         # LENA's threshold
    c_prime: float = 0.99                     # IADE's target rate c'
    s: float = 1.0                            # IADE's quantization level
    dist0: float = 10.0                       # IADE's bound on ||x_0 - x*|| (given, so no rank needs all data)
    drift: str = "momentum"                   # LENA's drift
    seed: int = 0
    backend: str = "numpy"
    residual: bool = True
    timeout: float = 30.0
    out: str = "distributed-run"
    die_at: tuple[int, int] | None = None     # (rank, round): that worker kills itself (SIGKILL) there
    stall_at: tuple[int, int] | None = None   # (rank, round): that worker stops answering there

    def check(self) -> None:
        """ValueError naming the parameter and its allowed range."""
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {self.algorithm!r}")
        for name, lo in (("workers", 1), ("d", 1), ("rows", 1), ("iterations", 1), ("rounds", 1)):
            v = getattr(self, name)
            if not isinstance(v, int) or v < lo or v > 10**6:
                raise ValueError(f"{name} must be an integer in [{lo}, 1000000], got {v!r}")
        if self.batch is not None and not (1 <= self.batch <= self.rows):
            raise ValueError(f"batch must be None or an integer in [1, rows={self.rows}], got {self.batch!r}")
        if not (np.isfinite(self.gamma) and self.gamma > 0):
            raise ValueError(f"gamma must be a finite real number in (0, inf), got {self.gamma!r}")
        if not (np.isfinite(self.timeout) and 0 < self.timeout <= 3600):
            raise ValueError(f"timeout must be in (0, 3600] seconds, got {self.timeout!r}")
        if self.backend not in ("numpy", "torch-cpu", "torch-cuda"):
            raise ValueError(f"backend must be numpy, torch-cpu or torch-cuda, got {self.backend!r}")
        for name in ("up", "down"):
            codec_for(parse_compressor(getattr(self, name)))
        from reference_impl.algorithms.lena import ALL_DRIFTS
        if self.drift not in ALL_DRIFTS or self.drift == "fixed":
            raise ValueError(f"drift must be one of {', '.join(ALL_DRIFTS[:-1])}, got {self.drift!r}")
        if not (np.isfinite(self.beta) and self.beta >= 0):
            raise ValueError(f"beta must be a finite real number in [0, inf), got {self.beta!r}")


def build_problem(cfg: RunConfig) -> LeastSquaresProblem:
    """The seeded least-squares problem every rank rebuilds (in a deployment a worker would load only its
    shard and the shard sizes; here the data is tiny and generated, and a worker keeps only its shard)."""
    rng = np.random.default_rng([cfg.seed, cfg.workers, cfg.d, cfg.rows])
    feats = [rng.standard_normal((cfg.rows, cfg.d)) for _ in range(cfg.workers)]
    targs = [rng.standard_normal(cfg.rows) for _ in range(cfg.workers)]
    return LeastSquaresProblem(feats, targs, lam=0.1, name=f"least-squares-N{cfg.workers}-d{cfg.d}")


class SamplingMeta:
    """The shard sizes and padding mask: all that ``sample_batch`` reads, without the data."""

    def __init__(self, problem):
        self.N, self.d, self.sizes, self.w = problem.N, problem.d, problem.sizes.copy(), (problem.w != 0).astype(float)

    def sample_batch(self, rng, batch, replace=True):
        """The padded problems' own ``sample_batch`` on these sizes: the same random draws."""
        return _PaddedDataProblem.sample_batch(self, rng, batch, replace)


def shard(problem: LeastSquaresProblem, i: int):
    """Worker i's own data as an N = 1 problem (same padding, so the same arithmetic as row i)."""
    s = copy.copy(problem)
    s.__dict__ = {k: v for k, v in problem.__dict__.items() if k not in ("_F_all", "_H", "x_star", "f_star")}
    for attr in ("F", "t", "w", "sizes", "L_i"):
        setattr(s, attr, getattr(problem, attr)[i:i + 1].copy())
    s.N, s._cache = 1, {}
    return s


def compressors(cfg: RunConfig):
    """The uplink and downlink compressor objects of a run."""
    spec = ALGORITHMS[cfg.algorithm]
    if spec.quantizers is not None:
        return spec.quantizers(cfg)
    return parse_compressor(cfg.up), parse_compressor(cfg.down)


def simulate(cfg: RunConfig):
    """The simulation the distributed run must equal: ``(iterates (K, d), uplink bits (K, N), downlink bits (K,))``."""
    problem, xp = build_problem(cfg), get_backend(cfg.backend)
    algo = ALGORITHMS[cfg.algorithm].build(cfg, *compressors(cfg))
    rng = np.random.default_rng(cfg.seed)
    state = algo.init(problem, xp)
    xs, up, down = [], [], []
    for _ in range(cfg.iterations):
        state, info = algo.step(state, problem, xp, rng)
        xs.append(np.asarray(xp.to_numpy(info.x), dtype=np.float64).copy())
        up.append(np.asarray(info.uplink_bits, dtype=np.int64))
        down.append(int(info.downlink_bits))
    return np.stack(xs), np.stack(up), np.array(down, dtype=np.int64)
