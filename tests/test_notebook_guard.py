"""nbval really guards the notebooks: a changed claimed number fails, and so does a changed *measured*
behaviour (a compressor whose constant is wrong), not only a changed printed claim."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "reproductions" / "notebooks" / "iade_1_kappa_scaling.ipynb"


def _nbval(path: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", str(path),
                           "--nbval-sanitize-with", str(ROOT / "reproductions" / "nbval_sanitize.cfg")],
                          capture_output=True, text=True, cwd=path.parent, timeout=600, env=env)


# The paper's claimed slope lives once, in the target registry (reproductions/targets/iade.py); a typo
# there (IADE's O(kappa) read as slope 2) is loaded into the notebook's kernel through a sitecustomize
# module on PYTHONPATH, so neither the registry file nor the notebook is touched.
CHANGED_SLOPE = """
import dataclasses
import reproductions.targets as targets

_id = "iade.table-1.iade-rate"
_registry = targets.all_targets()
assert _registry[_id].paper_value == 1.0, _registry[_id].paper_value
_registry[_id] = dataclasses.replace(_registry[_id], paper_value=2.0)
"""


def _with_sitecustomize(tmp_path: Path, code: str) -> dict:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(code)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def test_changed_claimed_slope_fails_nbval(tmp_path):
    source = (ROOT / "reproductions" / "notebooks" / "iade_1_kappa_scaling.py").read_text()
    assert 'paper_value("iade.table-1.iade-rate")' in source, "the notebook no longer reads the slope from the registry"
    copy = tmp_path / NOTEBOOK.name
    shutil.copyfile(NOTEBOOK, copy)
    assert _nbval(copy).returncode == 0            # unchanged: passes (so the failure below is the change's)
    proc = _nbval(copy, _with_sitecustomize(tmp_path, CHANGED_SLOPE))
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "AssertionError" in proc.stdout and "IADE" in proc.stdout, proc.stdout[-3000:]


# A plausible bug in a compressor's constant: QSGD's omega = min(d/s^2, sqrt(d)/s) with the sqrt(d)/s
# branch halved. Loaded into the notebook's kernel through a sitecustomize module on PYTHONPATH, so
# the library code itself is untouched; the limit-variance notebook measures the compressor's
# variance and must reject the constant.
BROKEN_OMEGA = """
import sympy as sp
import theory.compressors as tc

_original = tc.qsgd_omega_value


def qsgd_omega_value(d, s, numeric=False):
    value = sp.Min(sp.Integer(d) / sp.Integer(s) ** 2, sp.sqrt(d) / (2 * sp.Integer(s)))
    return float(value) if numeric else value


tc.qsgd_omega_value = qsgd_omega_value
"""


def test_wrong_compressor_constant_fails_nbval(tmp_path):
    notebook = ROOT / "reproductions" / "notebooks" / "mcm_4_limit_variance.ipynb"
    env = _with_sitecustomize(tmp_path, BROKEN_OMEGA)
    copy = tmp_path / notebook.name
    shutil.copyfile(notebook, copy)
    proc = _nbval(copy, env)
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "AssertionError" in proc.stdout and "constant" in proc.stdout, proc.stdout[-3000:]
