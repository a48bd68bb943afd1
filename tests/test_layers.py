"""The layering: the theory never imports torch."""

from __future__ import annotations

import os
import subprocess
import sys


def test_theory_does_not_import_torch():
    code = (
        "import sys, je_vs_rc, je_vs_rc.checks.closed_forms, je_vs_rc.simulate.figure3; print('torch' in sys.modules)"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout.strip() == "False"
    )
