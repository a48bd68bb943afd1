"""ImageNet-C corruptions: deterministic, different noise per image, cached on every input."""

from __future__ import annotations

import numpy as np
import pytest

from je_vs_rc.imagenet_c import corruptions, keys


def test_corruptions_are_deterministic_and_cached(images, tmp_path):
    x = images(6)
    a = corruptions.corrupt_all(x, "gaussian_noise", 3, seed=7, cache_dir=tmp_path)
    b = corruptions.corrupt_all(x, "gaussian_noise", 3, seed=7)
    assert np.array_equal(a, b) and not np.array_equal(a, x)
    assert len(list(tmp_path.glob("*.npy"))) == 1
    # A corrupted image does not depend on which other images were corrupted with it.
    assert np.array_equal(corruptions.corrupt_all(x[:3], "gaussian_noise", 3, seed=7), a[:3])
    for name in ("pixelate", "zoom_blur"):
        assert corruptions.corrupt(x[0], name, 5, 0).shape == (32, 32, 3)


def test_every_image_gets_its_own_noise(images):
    same = np.repeat(images(1), 4, axis=0)  # four copies of one image
    out = corruptions.corrupt_all(same, "gaussian_noise", 3, seed=0).astype(int)
    for i in range(4):
        for j in range(i + 1, 4):
            assert np.abs(out[i] - out[j]).mean() > 5, (i, j)


@pytest.mark.parametrize("change", ["images", "data_key", "name", "severity", "seed", "code"])
def test_corruption_cache_is_keyed_on_every_input(change, images, tmp_path, monkeypatch):
    x, args = images(3), dict(name="pixelate", severity=3, seed=0, data_key=None)
    first = corruptions.corrupt_all(x, cache_dir=tmp_path, **args)
    calls = []
    original = corruptions.corrupt
    monkeypatch.setattr(corruptions, "corrupt", lambda *a: calls.append(a) or original(*a))
    assert np.array_equal(corruptions.corrupt_all(x, cache_dir=tmp_path, **args), first) and not calls  # reused
    if change == "images":
        x = images(3, seed=1)
    elif change == "code":
        monkeypatch.setattr(keys, "code_version", lambda *m: "edited")
    else:
        args[change] = {"data_key": "another dataset", "name": "gaussian_noise", "severity": 4, "seed": 1}[change]
    corruptions.corrupt_all(x, cache_dir=tmp_path, **args)
    assert len(calls) == 3 and len(list(tmp_path.glob("*.npy"))) == 2  # computed afresh, nothing overwritten


@pytest.mark.parametrize(
    "corrs, sevs, match",
    [
        ("pixelate", [1], r"corruptions must be a non-empty list; got 'pixelate'"),
        ([], [1], r"corruptions must be a non-empty list; got \[\]"),
        (["pixelate"], 5, r"severities must be a non-empty list; got 5"),
        (["pixelate"], [1.0], r"severity must be one of \[1, 2, 3, 4, 5\]; got 1.0"),
        (["pixelate"], [True], r"severity must be one of \[1, 2, 3, 4, 5\]; got True"),
        (["rain"], [1], r"corruption must be one of \[.*'gaussian_noise'.*\]; got 'rain'"),
        (["pixelate"], [6], r"severity must be one of \[1, 2, 3, 4, 5\]; got 6"),
    ],
)
def test_grid_validation(corrs, sevs, match):
    with pytest.raises(ValueError, match=match):
        corruptions.validate(corrs, sevs)
