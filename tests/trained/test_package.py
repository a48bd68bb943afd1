"""Chapter 12's package needs torch only: it imports and trains with torch present but lightly, timm and
imagecorruptions (the ImageNet-C pipeline's dependencies) blocked. The chapter itself runs so in
tests/render/test_trained.py (its run through the runner); the book runs it with the default parameters."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import BLOCKED, blocked_env


def test_the_blocking_works(tmp_path):
    # A check that can fail: the ImageNet-C pipeline stops, naming what is missing.
    code = "import je_vs_rc.imagenet_c"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=blocked_env(tmp_path))
    assert out.returncode != 0 and "je_vs_rc.imagenet_c needs lightly, timm, imagecorruptions" in out.stderr


@pytest.mark.long
def test_chapter_12s_modules_import_and_train_without_the_pipelines_dependencies(tmp_path):
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from je_vs_rc.trained import grid, linear, models\n"
        "from je_vs_rc.checks import trained as checks\n"
        "from je_vs_rc.render import trained as plots\n"
        "X = np.random.default_rng(0).normal(size=(64, 4))\n"
        "p = models.Problems(X[None], np.zeros(1, int), np.full((1, 4), 0.1), np.full((1, 4), 0.1))\n"
        "r = models.train(p, models.TrainConfig('je', k=2, steps=5, batch_size=16))\n"
        f"print(r.encoder_matrix().shape, [m for m in {BLOCKED!r} if sys.modules.get(m) is not None])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=blocked_env(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "(1, 2, 4) []"
