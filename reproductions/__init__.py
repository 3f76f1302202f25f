"""Experiment code behind the reproduction notebooks (one module per work) and the figure registry.

Notebooks in ``reproductions/notebooks`` are thin: they call these functions, print the paper's
claimed numbers beside ours and plot. ``repro run FIGURE_ID`` calls the same functions.
Quick mode (default) is CI-sized; ``full=True`` / ``--full`` is the paper-scale version.
:func:`load_results` reads a figure's stored results as a pandas DataFrame; the paper's measured
numbers, with their status against ours, are in :mod:`reproductions.targets`.
"""


def load_results(figure_id: str, full: bool = True, root=None):
    """A figure's stored results as a DataFrame, one row per run and recorded iteration
    (see :mod:`reproductions.results_frame`)."""
    from reproductions.results_frame import load_results as _load

    return _load(figure_id, full=full, root=root)


__all__ = ["load_results"]
