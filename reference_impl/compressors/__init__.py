"""Compressors: objects that carry their class and constant, their bit cost, and a ``biased`` flag.

* :mod:`~reference_impl.compressors.uniform` - deterministic quantization with a given absolute error
  and a real lattice code (Lemma 2.1 of 000; IADE/AIADE), and the unbiased stochastic lattice quantizer
  of IADE-SGD (Algorithm 3 of 000).
* :mod:`~reference_impl.compressors.qsgd` - s-level stochastic quantization with Elias coding.
* :mod:`~reference_impl.compressors.sparsification` - identity, rand-k (scaled or not), top-k,
  Wangni et al.'s sparsification, random sketching.
* :mod:`~reference_impl.compressors.fcc` - the FCC module of 001 (R rounds on the residual) and the
  scaling of an unbiased compressor into a contractive one, as wrappers.
* :mod:`~reference_impl.compressors.sign` - the scaled sign and Block-Sign of 002 (contractive).
"""
from reference_impl.compressors.base import Compressed, Compressor  # noqa: F401
