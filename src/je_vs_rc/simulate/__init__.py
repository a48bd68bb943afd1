"""Simulations built on the theory: recovery sweeps and the phase diagram, the Figure 3 protocol on
MNIST, finite samples, intertwined noise and the computations behind the errata."""
