"""nbval really guards the notebooks: a changed claimed number fails, and so does a changed *measured*
behaviour (a compressor whose constant is wrong), not only a changed printed claim."""
import os
import json
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


def test_changed_claimed_slope_fails_nbval(tmp_path):
    nb = json.loads(NOTEBOOK.read_text())
    changed = 0
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if 'CLAIMED_SLOPE = {"IADE": 1.0' in src:
            cell["source"] = src.replace('CLAIMED_SLOPE = {"IADE": 1.0', 'CLAIMED_SLOPE = {"IADE": 2.0')
            changed += 1
    assert changed == 1, "the notebook no longer defines CLAIMED_SLOPE as expected"
    copy = tmp_path / NOTEBOOK.name
    copy.write_text(json.dumps(nb))
    proc = _nbval(copy)
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "failed" in proc.stdout


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
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BROKEN_OMEGA)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT), env.get("PYTHONPATH", "")])
    copy = tmp_path / notebook.name
    shutil.copyfile(notebook, copy)
    proc = _nbval(copy, env)
    assert proc.returncode != 0, proc.stdout[-2000:]
    assert "AssertionError" in proc.stdout and "constant" in proc.stdout, proc.stdout[-3000:]
