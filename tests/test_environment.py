"""The conda environment and the pip pins must not drift apart; the package stays light."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _pins(lines):
    return dict(m.groups() for line in lines if (m := re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)$", line.strip())))


def test_environment_yml_matches_requirements():
    req = _pins((REPO / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pins = _pins(pip_section)
    assert conda_pins, "environment.yml lists no pins"
    for name, version in conda_pins.items():
        assert req.get(name) == version, f"{name}: environment.yml {version} vs requirements.txt {req.get(name)}"
    assert "-r requirements.txt" in pip_section
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert python == f"python={sys.version_info.major}.{sys.version_info.minor}"


def test_requirements_are_all_pinned():
    lines = [line for line in (REPO / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert lines and all("==" in line for line in lines)


def test_theory_imports_neither_torch_nor_matplotlib():
    code = ("import sys, je_vs_rc, je_vs_rc.theory.methods, je_vs_rc.simulate.sweeps, je_vs_rc.simulate.figure3, "
            "je_vs_rc.simulate.errata, je_vs_rc.checks.closed_forms, je_vs_rc.checks.figure3;"
            "bad = sorted(m for m in ('torch', 'matplotlib', 'pandas') if m in sys.modules); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
