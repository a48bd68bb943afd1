"""Chapter 12's trained networks: the paper's objectives trained by gradient descent, linear and nonlinear.

Needs torch only (not lightly, timm or imagecorruptions, which the ImageNet-C pipeline needs).
Modules: ``variants`` (the trained variants of the linear methods: each one's loss and comparison with its
closed form), ``nets`` (batched layers), ``models`` (the training loop), ``linear`` (the trained linear model
against its closed form, with and without a penalty), ``grid`` (distance and probe error over alignments, seeds
and architectures; what it trains in ``grid_config``, what it stores in ``results``), ``stats`` (floors,
intervals, convergence and the answer). Its checks are in ``je_vs_rc.checks.trained``, its figures in
``je_vs_rc.render.trained``.
"""

from importlib.util import find_spec

# Without torch, stop at once with one line saying what to install (not a deep traceback).
if find_spec("torch") is None:
    raise ImportError("je_vs_rc.trained needs torch: pip install 'je-vs-rc[deep]'")
