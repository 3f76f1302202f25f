"""Algorithms, one file each; each module exposes a factory returning an
:class:`~reference_impl.algorithms.base.Algorithm` (an ``(init, step)`` pair over explicit state).

* 000: ``iade`` (Algorithm 1), ``aiade`` (Algorithm 2), ``iade_sgd`` (Algorithm 3), with the
  baselines ``gd``, ``nesterov``, ``qsgd``, ``dqgd``; shared double encoding in ``double_encoding``.
* 004: ``sgd``, ``diana``, ``artemis``, ``dore``, ``double_squeeze``, ``mcm``, ``rand_mcm``, ``ghost``,
  ``first_attempts``; shared uplink-memory / downlink-compression logic in ``bidirectional``.
* 001: ``psgd``, ``mem_sgd``, ``cser``, ``ef21_sgd``, ``neolithic`` (and ``double_squeeze``, ``qsgd``).
* 002: ``compams`` (Algorithm 1), ``compams_single`` (Algorithm 2), with the baselines ``amsgrad``
  (full precision, and the shared server update), ``qadam``, ``onebit_adam``, ``compams_sgd``; the
  nonconvex test problems of 002 in ``compams_problems``.
* 003: ``lena`` (Algorithm 1: every drift, both readings of the filter, the 3-trigger rule, the
  quantization extension), ``lag`` (LAG-WK, LAG-PS), with ``sgd``/``gd`` (DGD) and ``diana`` as baselines;
  the network cost model in ``lena_network``, the problems of 003 in ``lena_problems``.
"""
