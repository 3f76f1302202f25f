"""The compiled loops (issue 10, reference_impl.compiled): QSGD's message lengths equal the real
encoder's, exactly (integers), on every shape the simulations use; a compiled function and its plain
Python code give the same results."""
import numpy as np
import pytest

from reference_impl.compressors.qsgd import QSGD, _message_bits_rows, message_bits


def random_levels(rng, shape, top):
    levels = rng.integers(-top, top + 1, size=shape)
    levels[rng.random(shape) < 0.6] = 0                     # sparse rows, as QSGD with few levels gives
    return levels


@pytest.mark.parametrize("top", [1, 3, 1000, 2**31 - 1])
def test_message_bits_equal_the_encoders_length(top):
    rng = np.random.default_rng(top % 97)
    levels = random_levels(rng, (7, 37), top)
    levels[2] = 0                                           # an all-zero row: norm and count only
    levels[3, -1] = top                                     # a nonzero at the last position
    q = QSGD(max(1, top))
    expected = [len(q.encode(row, 1.0)) for row in levels]
    assert message_bits(levels).tolist() == expected


def test_message_bits_keep_the_leading_axes_of_stacked_runs():
    rng = np.random.default_rng(5)
    levels = random_levels(rng, (3, 4, 11), 5)
    bits = message_bits(levels)
    assert bits.shape == (3, 4) and bits.dtype == np.int64
    assert np.array_equal(bits.reshape(-1), message_bits(levels.reshape(12, 11)))


def test_compiled_and_python_versions_agree():
    rng = np.random.default_rng(8)
    levels = random_levels(rng, (6, 20), 9)
    machine = _message_bits_rows(levels, 32, np.empty(6, dtype=np.int64))
    python = _message_bits_rows.python(levels, 32, np.empty(6, dtype=np.int64))
    assert np.array_equal(machine, python)
