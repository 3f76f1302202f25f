"""The neural-network problem: per-worker gradients in one vmap pass, the interface every algorithm calls,
and the library's algorithms training the network unchanged (reference_impl.nn_problem, models)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from reference_impl import models as M
from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.backends import NUMPY, torch_backend
from reference_impl.nn_problem import NeuralNetworkProblem, mnist_problem
from reference_impl.runner import run

XP = torch_backend("cpu")


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """The networks here are tiny: one intra-op thread (as the experiments run; see reproductions.deep)."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def random_problem(model="mlp", N=3, n=10, dtype="float64", seed=0, shape=(1, 28, 28), chunk=256):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((N, n) + shape)
    labels = rng.integers(0, 10, size=(N, n))
    return NeuralNetworkProblem(model, images, labels, test=(images[0], labels[0]), init_seed=seed, dtype=dtype,
                                chunk=chunk)


def loop_grads(problem, X, rows=None):
    """Reference: a Python loop over workers, plain autograd on a copy of the module (no torch.func)."""
    out = []
    for i in range(problem.N):
        theta = torch.as_tensor(X[i], dtype=problem.dtype).clone().requires_grad_(True)
        params = problem._params(theta)
        imgs, labs = (problem.images[i], problem.labels[i]) if rows is None else \
            (problem.images[i][rows[i]], problem.labels[i][rows[i]])
        loss = torch.nn.functional.cross_entropy(torch.func.functional_call(problem.module, params, (imgs,)), labs)
        (g,) = torch.autograd.grad(loss, theta)
        out.append(g.detach().double().numpy())
    return np.stack(out)


def rel_err(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b)))


# float64 gradients of the same function computed in two orders of summation agree to a few ulps of the
# norm; 1e-12 relative leaves three orders of margin above float64 rounding (~1e-16 per operation, d <= 7e4)
# and is far below any real difference (a wrong worker or row changes the gradient at order 1).
TOL64 = 1e-12


@pytest.mark.parametrize("model", ["mlp", "mnist-cnn", "lenet"])
def test_vmap_gradients_equal_a_loop_over_workers(model):
    P = random_problem(model, N=3, n=6)
    rng = np.random.default_rng(1)
    X = P.x0(NUMPY)[None, :] + 0.01 * rng.standard_normal((P.N, P.d))   # each worker at its own point
    rows = P.sample_batch(rng, 4, replace=False)
    assert rel_err(P.stochastic_worker_grads(NUMPY, X, rows), loop_grads(P, X, rows)) < TOL64
    assert rel_err(P.worker_grads(NUMPY, X), loop_grads(P, X)) < TOL64


def test_broadcast_path_equals_batched_path_and_backends_agree():
    P = random_problem("mnist-cnn", N=4, n=5)
    X = P.broadcast(NUMPY, P.x0(NUMPY))
    rows = P.sample_batch(np.random.default_rng(2), 3, replace=False)
    G_shared = P.stochastic_worker_grads(NUMPY, X, rows)              # all rows equal: unbatched parameters
    assert rel_err(G_shared, loop_grads(P, X, rows)) < TOL64
    G_torch = P.stochastic_worker_grads(XP, XP.asarray(X), rows)
    assert isinstance(G_torch, torch.Tensor) and G_torch.dtype == torch.float64 and G_torch.shape == (P.N, P.d)
    assert np.array_equal(G_torch.numpy(), G_shared)
    assert np.allclose(P.grad(NUMPY, X[0]), P.worker_grads(NUMPY, X).mean(axis=0), rtol=0, atol=0)


def test_chunked_exact_gradients_do_not_depend_on_the_chunk():
    a, b = random_problem("lenet", n=9, chunk=256), random_problem("lenet", n=9, chunk=4)
    X = a.broadcast(NUMPY, a.x0(NUMPY))
    assert rel_err(b.worker_grads(NUMPY, X), a.worker_grads(NUMPY, X)) < TOL64
    assert np.allclose(b.worker_losses(NUMPY, X), a.worker_losses(NUMPY, X), rtol=TOL64, atol=0)


def test_batchnorm_is_per_worker():
    """ResNet-20: worker i's gradient depends only on worker i's minibatch (its own BatchNorm statistics)."""
    P = random_problem("resnet20-w8", N=3, n=4, shape=(1, 12, 12))
    X = P.broadcast(NUMPY, P.x0(NUMPY))
    rows = np.tile(np.arange(4), (3, 1))
    G = P.stochastic_worker_grads(NUMPY, X, rows)
    assert rel_err(G, loop_grads(P, X, rows)) < TOL64
    P.images[2] += 5.0                                                   # change worker 2's data only
    G2 = P.stochastic_worker_grads(NUMPY, X, rows)
    assert np.array_equal(G2[:2], G[:2]) and rel_err(G2[2], G[2]) > 1e-3


def test_uncompressed_sgd_equals_plain_minibatch_sgd():
    """The library's SGD on the problem = torch's own minibatch SGD on the concatenated worker batches.

    With equal worker batches, the mean of the N per-worker mean losses is the mean loss over the N b
    images, so one torch.optim.SGD step on that loss is the same update. float64 tolerance as above
    (accumulated over 5 steps: still < 1e-12 relative).
    """
    from reference_impl.algorithms.sgd import sgd

    P = random_problem("mlp", N=4, n=12)
    gamma, batch, steps = 0.3, 5, 5
    algo = sgd(gamma, batch=batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(P, XP)
    rng_lib, rng_ref = np.random.default_rng(7), np.random.default_rng(7)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        ref = M.build("mlp").double()
    opt = torch.optim.SGD(ref.parameters(), lr=gamma)
    for _ in range(steps):
        state, info = algo.step(state, P, XP, rng_lib)
        rows = P.sample_batch(rng_ref, batch, replace=False)
        w = np.arange(P.N)[:, None]
        imgs = P.images[w, rows].reshape((-1,) + P.images.shape[2:])
        labs = P.labels[w, rows].reshape(-1)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(ref(imgs), labs).backward()
        opt.step()
    flat = torch.cat([p.detach().reshape(-1) for p in ref.parameters()]).numpy()
    assert rel_err(info.x.numpy() - P.x_star, flat - P.x_star) < TOL64


def _algorithms(P):
    from reference_impl.compressors.layerwise import Layerwise
    from reference_impl.compressors.qsgd import QSGD
    from reproductions.mcm import make_algorithm
    from reproductions.neolithic import make_method

    def q():
        return Layerwise(lambda: QSGD(16), P.layer_sizes)
    g, b = 0.1, 8
    algos = {name: make_algorithm(name, g, up=q(), down=q(), batch=b) for name in ("SGD", "DIANA", "MCM", "Artemis", "Dore")}
    algos |= {name: make_method(name, g, ("top", 1100), rounds=2, batch=b)          # top-k 5% of d = 21840
              for name in ("MEM-SGD", "EF21-SGD", "Double Squeeze", "NEOLITHIC")}
    algos["QSGD"] = make_method("QSGD", g, batch=b, qsgd_levels=16)
    return algos


ALGORITHMS = ("SGD", "DIANA", "MCM", "Artemis", "Dore", "MEM-SGD", "EF21-SGD", "Double Squeeze", "NEOLITHIC", "QSGD")


@pytest.fixture(scope="module")
def tiny_mnist():
    return mnist_problem("mnist-cnn", n_workers=4, rows_per_worker=32, test_rows=200, seed_name="test-nn")


@pytest.mark.parametrize("name", ALGORITHMS)
def test_library_algorithms_train_the_cnn_unchanged(name, tiny_mnist):
    """Ten algorithm files, unchanged, on 004's MNIST CNN (d = 21840), 4 workers x 32 MNIST images, 40
    iterations, minibatch 8, step 0.1; QSGD s = 16 layer-wise for 004's methods, top-k 5% for 001's.

    Nine of them train: the runner's training loss (``loss_gap``, f* = 0) falls to at most half its initial
    value ln(10) ~ 2.30. Factor 2 lies far below what these reach here (0.1 to 0.35 of the initial loss in our
    runs) and far above a method that does not train (which stays near 1). **MCM does not train at this size**
    (its loss stays near the initial one; see the notebook mcm_5_mnist_cnn): for it the test asserts only
    that it runs to completion with finite values.
    """
    P = tiny_mnist
    algo = _algorithms(P)[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        hist = run(algo, P, 40, xp=XP, seed=3, record_every=40)
    initial = float(P.loss(NUMPY, P.x_star))
    assert abs(initial - math.log(10)) < 0.1
    assert hist.status == "completed" and np.isfinite(hist["loss_gap"][-1])
    if name != "MCM":
        assert hist["loss_gap"][-1] <= initial / 2, (name, hist["loss_gap"][-1])


def test_runner_records_and_the_stand_ins_for_x_star(tiny_mnist, tmp_path):
    from reproductions.deep import mcm_algorithm, train

    cfg = dict(gamma=0.05, levels=4, batch=8)
    res = train("sgd", mcm_algorithm("SGD", cfg), tiny_mnist, 10, xp=XP, out_dir=tmp_path, record_every=5)
    assert res["status"] == "completed" and res["iterations"] == 10 and 0 <= res["test_accuracy"] <= 1
    assert (tmp_path / "sgd.csv").is_file() and (tmp_path / "sgd.eval.json").is_file()
    assert math.isinf(tiny_mnist.L) and tiny_mnist.mu == 0 and tiny_mnist.f_star == 0
    from reference_impl.runner import session
    with session(resume=True):
        again = train("sgd", mcm_algorithm("SGD", cfg), tiny_mnist, 10, xp=XP, out_dir=tmp_path, record_every=5)
    assert again["test_accuracy"] == res["test_accuracy"] and again["loss"] == res["loss"]


@pytest.mark.parametrize("kwargs, word", [(dict(n_workers=0), "n_workers"), (dict(rows_per_worker=10**6), "rows_per_worker"),
                                          (dict(split="sorted"), "split"), (dict(dtype="float16"), "dtype"),
                                          (dict(model="vgg"), "model"), (dict(test_rows=0), "test_rows")])
def test_bad_input_is_refused_naming_the_parameter(kwargs, word):
    with pytest.raises(ValueError, match=word):
        mnist_problem(**kwargs)


def test_models_dimensions():
    """d of each network (004's MNIST CNN: 21840 against the slides' 'd = 2e4'; LeNet-5 for 28x28 input)."""
    dims = {name: M.n_parameters(M.build(name)) for name in M.MODELS}
    assert dims["mnist-cnn"] == 10 * 25 + 10 + 20 * 10 * 25 + 20 + 320 * 50 + 50 + 50 * 10 + 10 == 21840
    assert dims["lenet"] == 6 * 25 + 6 + 16 * 6 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10
    assert dims["resnet20"] > dims["resnet20-w8"] > dims["lenet"]


def test_layerwise_compression_is_the_blocks_compressed_separately():
    """Layerwise(C, blocks): each block compressed on its own (values and bits), omega = max over blocks
    (unbiased), delta = min over blocks (contractive); exact comparisons (same operations, same order)."""
    from reference_impl.compressors.layerwise import Layerwise
    from reference_impl.compressors.qsgd import QSGD
    from reference_impl.compressors.sparsification import TopK

    blocks = (5, 40, 3)
    X = np.random.default_rng(4).standard_normal((3, sum(blocks)))
    L = Layerwise(lambda: QSGD(2), blocks)
    out = L(NUMPY, X, np.random.default_rng(9))
    rng = np.random.default_rng(9)
    starts = np.cumsum((0,) + blocks)
    parts = [QSGD(2)(NUMPY, X[:, s:e], rng) for s, e in zip(starts[:-1], starts[1:])]
    assert np.array_equal(out.values, np.concatenate([p.values for p in parts], axis=1))
    assert np.array_equal(out.bits, sum(p.bits for p in parts))
    assert L.constant(48) == max(QSGD(2).constant(b) for b in blocks) and L.kind == "unbiased"
    T = Layerwise(lambda: TopK(2), (4, 10))
    assert T.constant(14) == min(TopK(2).constant(4), TopK(2).constant(10)) and T.kind == "contractive"
    assert torch.equal(T(XP, XP.asarray(X[:, :14])).values, XP.asarray(T(NUMPY, X[:, :14]).values))
    with pytest.raises(ValueError, match="blocks sum to d = 14"):
        T(NUMPY, X)
