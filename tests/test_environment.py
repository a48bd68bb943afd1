"""The hashed locks, the conda environment and the install profiles agree; the package stays light.

requirements.txt (every profile) and requirements-run.txt (theory + run, no torch) are universal
locks written by `make lock` (uv pip compile --universal --generate-hashes). The network-marked tests
ask uv to resolve them for Linux, macOS and Windows against PyPI (metadata only, nothing installed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
FULL, RUN = "requirements.txt", "requirements-run.txt"
GPU = re.compile(r"^(nvidia-|cuda-|triton$)")
UV = Path(sys.executable).parent / "uv"


def environment(sys_platform: str, machine: str) -> dict[str, str]:
    """Marker variables of CPython 3.11 on another platform."""
    system = {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[sys_platform]
    return {
        "sys_platform": sys_platform,
        "platform_system": system,
        "platform_machine": machine,
        "os_name": "nt" if sys_platform == "win32" else "posix",
        "python_version": "3.11",
        "python_full_version": "3.11.7",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }


LINUX, MACOS, WINDOWS = environment("linux", "x86_64"), environment("darwin", "arm64"), environment("win32", "AMD64")


def lock(name: str) -> list[tuple[Requirement, list[str]]]:
    """(requirement, hashes) for every entry of a lock file."""
    text = re.sub(r"\s*\\\n\s*", " ", (REPO / name).read_text())  # join continuation lines
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        spec, *hashes = line.split(" --hash=")
        entries.append((Requirement(spec), [h.strip() for h in hashes]))
    return entries


def versions(name: str, env: dict[str, str] = LINUX) -> dict[str, str]:
    """Package name -> pinned version, for the entries that apply in ``env``."""
    return {
        canonicalize_name(req.name): next(iter(req.specifier)).version
        for req, _ in lock(name)
        if req.marker is None or req.marker.evaluate(env)
    }


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def profile(*extras: str) -> list[Requirement]:
    """The direct requirements of the base package plus ``extras`` (self-references expanded)."""
    project = pyproject()["project"]
    out, todo, seen = [Requirement(r) for r in project["dependencies"]], list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for req in map(Requirement, project["optional-dependencies"][extra]):
            if req.name == project["name"]:
                todo.extend(req.extras)
            else:
                out.append(req)
    return out


@pytest.mark.parametrize("name", [FULL, RUN])
def test_every_lock_entry_is_pinned_and_hashed(name):
    entries = lock(name)
    assert len(entries) > 50, f"{name} lists only {len(entries)} packages"
    for req, hashes in entries:
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", f"{name}: {req} is not pinned"
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), f"{name}: {req.name} hashes"


def test_cuda_packages_install_only_on_linux():
    gpu = [req for req, _ in lock(FULL) if GPU.match(canonicalize_name(req.name))]
    assert len(gpu) >= 10, "torch's CUDA wheels (nvidia-*, cuda-*, triton) are missing from the lock"
    for req in gpu:
        assert req.marker is not None, f"{req.name} has no platform marker: it would install on macOS and Windows"
        assert req.marker.evaluate(LINUX), f"{req.name} is not installed on Linux x86_64"
        assert not req.marker.evaluate(MACOS), f"{req.name} would install on macOS"
        assert not req.marker.evaluate(WINDOWS), f"{req.name} would install on Windows"
    for env in (LINUX, MACOS, WINDOWS):  # torch itself installs everywhere
        assert {"torch", "torchvision", "lightly"} <= set(versions(FULL, env)), env["sys_platform"]


def test_run_lock_is_the_full_lock_without_torch():
    run, full = versions(RUN), versions(FULL)
    assert not {name for name in run if name in {"torch", "torchvision", "lightly", "timm"} or GPU.match(name)}
    assert {name: v for name, v in run.items() if full.get(name) != v} == {}, "the two locks pin different versions"


@pytest.mark.parametrize(("name", "extras"), [(FULL, ("run", "book", "deep", "test", "dev")), (RUN, ("run",))])
def test_locks_satisfy_the_profiles(name, extras):
    pinned = versions(name)
    for req in profile(*extras):
        version = pinned.get(canonicalize_name(req.name))
        assert version, f"{name} lacks {req.name} (pyproject.toml changed: run `make lock`)"
        assert req.specifier.contains(version), (
            f"{name}: {req.name}=={version} does not satisfy {req} (run `make lock`)"
        )


def test_one_python_version_everywhere():
    minimum = re.fullmatch(r">=(\d+\.\d+)", pyproject()["project"]["requires-python"]).group(1)
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    assert f"python={minimum}" in env["dependencies"]
    assert (REPO / "binder" / "runtime.txt").read_text().strip() == f"python-{minimum}"
    assert re.search(rf"^LOCK_PYTHON := {re.escape(minimum)}$", (REPO / "Makefile").read_text(), re.M)
    for workflow in (REPO / ".github" / "workflows").glob("*.yml"):
        for found in re.findall(r'python-version: "([\d.]+)"', workflow.read_text()):
            assert found == minimum, workflow.name


def test_environment_yml_installs_the_lock():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    # The hashed lock and nothing else: pip refuses unhashed or editable entries beside hashed ones.
    assert pip_section == [f"-r {FULL}"]


def test_binder_installs_the_run_lock():
    lines = (REPO / "binder" / "requirements.txt").read_text().splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == [f"-r ../{RUN}"]


def test_pre_commit_runs_the_locked_ruff():
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    ruff = next(r for r in config["repos"] if r["repo"].endswith("/ruff-pre-commit"))
    assert ruff["rev"] == f"v{versions(FULL)['ruff']}"


def test_theory_imports_neither_torch_nor_matplotlib():
    code = (
        "import sys, je_vs_rc, je_vs_rc.theory.methods, je_vs_rc.simulate.sweeps, je_vs_rc.simulate.figure3, "
        "je_vs_rc.simulate.errata, je_vs_rc.checks.closed_forms, je_vs_rc.checks.figure3;"
        "bad = sorted(m for m in ('torch', 'matplotlib', 'pandas') if m in sys.modules); print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_theory_imports_numpy_scipy_and_threadpoolctl_only():
    """The theory layer's rule, extended on purpose for threadpoolctl (pure Python, no dependencies:
    it keeps the small linear algebra on one BLAS thread), which the theory lock installs."""
    import ast

    allowed = {"numpy", "scipy", "threadpoolctl"}
    for path in sorted((REPO / "src" / "je_vs_rc" / "theory").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                tops = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                tops = {node.module.split(".")[0]}
            else:
                continue
            outside = {t for t in tops if t not in allowed and t not in sys.stdlib_module_names}
            assert not outside, f"{path.name} imports {sorted(outside)}: the theory layer uses numpy and scipy only"
    assert "threadpoolctl" in versions(RUN)


@pytest.mark.parametrize("package", ["je_vs_rc.imagenet_c", "je_vs_rc.trained"])
def test_torch_packages_without_torch_stop_naming_the_profile(package):
    code = f"import sys; sys.modules['torch'] = None; import {package}"  # as if torch were not installed
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == f"ImportError: {package} needs torch: pip install 'je-vs-rc[deep]'"


def test_license_and_citation():
    assert "MIT License" in (REPO / "LICENSE").read_text() and "CC BY 4.0" in (REPO / "LICENSE").read_text()
    assert pyproject()["project"]["license"] == {"text": "MIT"}
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert citation["license"] == ["MIT", "CC-BY-4.0"]
    paper = citation["references"][0]
    assert "arXiv:2505.12477" in [i["value"] for i in paper["identifiers"]]
    assert [a["family-names"] for a in paper["authors"]] == [
        "Van Assel",
        "Ibrahim",
        "Biancalani",
        "Regev",
        "Balestriero",
    ]


@pytest.mark.long
@pytest.mark.network
def test_locks_are_up_to_date(tmp_path):
    """`make lock` in a copy of the repository changes nothing: the locks match pyproject.toml."""
    assert UV.exists(), f"uv (test profile) is not installed beside {sys.executable}: run `make env`"
    for name in ("Makefile", "pyproject.toml", "README.md", FULL, RUN):
        shutil.copy(REPO / name, tmp_path / name)
    result = subprocess.run(
        ["make", "-s", "lock", f"BIN={UV.parent}"], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in (FULL, RUN):
        assert (tmp_path / name).read_text() == (REPO / name).read_text(), f"{name} is stale: run `make lock`"


# (uv's platform, lock, resolves?). torch 2.14.1 has wheels for Linux x86_64/aarch64, macOS 14+ arm64
# and Windows x86_64; Intel Macs get the theory + run profiles only.
ALL = ["x86_64-manylinux_2_28", "aarch64-manylinux_2_28", "aarch64-apple-darwin", "x86_64-apple-darwin"]
ALL += ["x86_64-pc-windows-msvc"]
PLATFORMS = [(p, RUN, True) for p in ALL] + [(p, FULL, p != "x86_64-apple-darwin") for p in ALL]


@pytest.mark.long
@pytest.mark.network
@pytest.mark.parametrize(("platform", "name", "resolves"), PLATFORMS)
def test_lock_installs_on_each_platform(tmp_path, platform, name, resolves):
    """uv resolves the lock, hashes required, for another platform (a dry run: nothing is downloaded)."""
    assert UV.exists(), f"uv (test profile) is not installed beside {sys.executable}: run `make env`"
    options = f"--dry-run --python-platform {platform} --python-version 3.11 --require-hashes".split()
    result = subprocess.run(
        [str(UV), "pip", "install", *options, "--python", sys.executable, "--target", str(tmp_path / "target")]
        + ["-r", str(REPO / name)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MACOSX_DEPLOYMENT_TARGET": "14.0"},  # torch 2.14.1 needs macOS 14 on arm64
    )
    installed = set(re.findall(r"^ \+ ([A-Za-z0-9_.\-]+)==", result.stderr + result.stdout, re.M))
    if not resolves:
        assert result.returncode != 0 and "torch" in result.stderr, result.stderr[-2000:]
        return
    assert result.returncode == 0, result.stderr[-3000:]
    assert "numpy" in installed and ("torch" in installed) == (name == FULL)
    assert any(GPU.match(p) for p in installed) == (name == FULL and "manylinux" in platform)


def test_openmp_threads_sleep_when_idle_unless_told_otherwise():
    """torch's OpenMP threads spin for work by default, which on a busy machine made training 100 times
    slower (issue 25): importing the package (before torch) asks them to sleep, keeping a user's choice."""
    code = "import os, je_vs_rc; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "PASSIVE"
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "ACTIVE"
