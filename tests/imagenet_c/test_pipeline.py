"""The pipeline: one source of defaults, validation before any work (also on the command line),
caches keyed on everything, and the end-to-end runs."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from je_vs_rc import data
from je_vs_rc.imagenet_c import config, keys, phases, pipeline
from je_vs_rc.imagenet_c import pretrain as pretrain_module
from je_vs_rc.imagenet_c.config import ExperimentConfig
from je_vs_rc.imagenet_c.pretrain import PretrainConfig

REPO = Path(__file__).resolve().parents[2]
CHAPTER = REPO / "notebooks" / "08_imagenet_c.md"


def test_chapter_parameters_are_the_configs_defaults():
    from je_vs_rc.run import parameters

    cell = parameters(CHAPTER)
    assert set(cell) - set(ExperimentConfig.names()) == {
        "params_file",
        "results_path",
        "committed_results",
        "committed_pilot",
    }
    assert {k: cell[k] for k in ExperimentConfig.names()} == ExperimentConfig.defaults()


@pytest.mark.parametrize("path", sorted((REPO / "params").glob("imagenet_c_*.yml")), ids=lambda p: p.name)
def test_parameter_files_name_only_config_fields(path):
    cfg = ExperimentConfig.from_mapping(config.read_params(path))
    assert cfg.out_dir is None  # where a run goes is the command's choice (--out), not the file's


@pytest.mark.parametrize(
    "change, match",
    [
        ({"corruptions": ("rain",)}, r"corruption must be one of \[.*'gaussian_noise'.*\]; got 'rain'"),
        (
            {"corruptions": "pixelate"},
            r"parameter corruptions = 'pixelate' is not allowed: it must be a non-empty list",
        ),
        (
            {"severities": (6,)},
            r"parameter severities = \(6,\) is not allowed: it must be .*each an integer >= 1 and <= 5",
        ),
        ({"severities": 5}, r"parameter severities = 5 is not allowed: it must be a non-empty list"),
        ({"severities": [1.5]}, r"parameter severities = \[1.5\] is not allowed: it must be .*each an integer"),
        (
            {"methods": ("simclr",)},
            r"parameter methods = \['simclr'\] is not allowed: it must be .*among \['byol', 'dino', 'mae'\]",
        ),
        ({"methods": "mae"}, r"parameter methods = 'mae' is not allowed: it must be a non-empty list"),
        (
            {"backbones": {"byol": "resnet18", "dino": "vit_tiny", "mae": "resnet18"}},
            r"backbone for mae must be one of",
        ),
        (
            {"backbones": {"byol": "resnet18"}},
            r"parameter backbones = \{'byol': 'resnet18'\} is not allowed: it must be a mapping that names a backbone "
            "for every method run",
        ),
        (
            {"train_images": 0},
            r"parameter train_images = 0 is not allowed: it must be an integer >= 1, or null \(all\)",
        ),
        ({"test_images": 2.5}, r"parameter test_images = 2.5 is not allowed: it must be an integer >= 1, or null"),
        ({"epochs": 0}, r"parameter epochs = 0 is not allowed: it must be an integer >= 1"),
        ({"lr": {"mae": 0.0}}, r"parameter lr\['mae'\] = 0.0 is not allowed: it must be a positive number"),
        ({"lr": {"simclr": 0.1}}, r"parameter lr = \{'simclr': 0.1\} is not allowed: .*a mapping from methods run"),
        ({"probe_weight_decays": []}, r"parameter probe_weight_decays = \[\] is not allowed: it must be a non-empty"),
        (
            {"probe_weight_decays": [-1.0]},
            r"parameter probe_weight_decays = \[-1.0\] is not allowed: .*real number >= 0",
        ),
        ({"seeds": 0}, r"parameter seeds = 0 is not allowed: it must be a non-empty list"),
        ({"checkpoints": {"mae": "/no/such.pt"}}, r"parameter checkpoints\['mae'\] = '/no/such.pt' .*an existing file"),
        (
            {"dataset": "imagefolder", "data_root": "/no/such/folder"},
            r"parameter data_root = '/no/such/folder' .*an existing folder",
        ),
        ({"dataset": "cifar"}, r"parameter dataset = 'cifar' is not allowed: it must be one of 'mnist', 'imagefolder'"),
        ({"imagenet_c_root": "/x"}, r"parameter imagenet_c_root = '/x' .*null unless dataset is 'imagefolder'"),
    ],
)
def test_clear_errors(change, match):
    with pytest.raises(ValueError, match=match):
        ExperimentConfig(**change).validate()


def test_values_are_converted_by_their_kind():
    # the package's one parameter mechanism: a whole number written 1.0 is the integer 1
    cfg = ExperimentConfig(severities=[1.0, 5], epochs=3.0, methods=["mae"])
    assert cfg.severities == (1, 5) and cfg.epochs == 3 and isinstance(cfg.epochs, int) and cfg.methods == ("mae",)


def test_misspelled_parameter_is_named():
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) 'epoch' \(did you mean 'epochs'\?\)"):
        ExperimentConfig.from_mapping({"epoch": 3})


def test_missing_or_corrupt_mnist_is_refused_before_work(tmp_path):
    with pytest.raises(data.DataUnavailable, match="missing"):
        ExperimentConfig(data_root=str(tmp_path)).validate()


@pytest.fixture
def corrupt_mnist(tmp_path):
    """A data root whose MNIST has one flipped byte in the test labels."""
    raw = tmp_path / "corrupt" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    real = data.verify("mnist")
    for f in real.iterdir():
        (raw / f.name).symlink_to(f)
    labels = raw / "t10k-labels-idx1-ubyte"
    blob = bytearray(labels.read_bytes())
    blob[100] ^= 1
    labels.unlink()
    labels.write_bytes(bytes(blob))
    return raw.parent.parent


CLI_CASES = {
    "missing params file": (None, r"params file '.*nothing.yml' cannot be read"),
    "malformed YAML": ("epochs: [1\n", r"params file .* is not valid YAML"),
    "misspelled key": ("epoch: 3\n", r"unknown parameter\(s\) 'epoch' \(did you mean 'epochs'\?\)"),
    "severities 5": ("severities: 5\n", r"parameter severities = 5 is not allowed: it must be a non-empty list"),
    "severities [1.5]": ("severities: [1.5]\n", r"parameter severities = \[1.5\] is not allowed: .*each an integer"),
    "corruptions string": ("corruptions: pixelate\n", r"parameter corruptions = 'pixelate' is not allowed"),
    "train_images 0": (
        "train_images: 0\n",
        r"parameter train_images = 0 is not allowed: .*integer >= 1, or null \(all\)",
    ),
    "epochs 0": ("epochs: 0\n", r"parameter epochs = 0 is not allowed: it must be an integer >= 1"),
    "lr 0": ("lr: {{mae: 0.0}}\n", r"parameter lr\['mae'\] = 0.0 is not allowed: it must be a positive number"),
    "missing MNIST": ("data_root: {empty}\n", r"mnist: missing .*make data"),
    "corrupt MNIST": ("data_root: {corrupt}\n", r"mnist: .*t10k-labels-idx1-ubyte has MD5 .*, expected"),
}


@pytest.mark.data
@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_command_line_answers_a_bad_input_with_one_line(case, tmp_path, capsys, corrupt_mnist):
    text, match = CLI_CASES[case]
    params = tmp_path / ("nothing.yml" if text is None else "p.yml")
    (tmp_path / "empty").mkdir()
    if text is not None:
        params.write_text(text.format(empty=tmp_path / "empty", corrupt=corrupt_mnist))
    assert pipeline.main([str(params), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    import re

    assert re.search(match, err), err
    assert not (tmp_path / "out").exists()  # nothing was computed


@pytest.mark.long
def test_command_line_exit_status_in_a_fresh_process(tmp_path):
    (tmp_path / "p.yml").write_text("epochs: 0\n")
    proc = subprocess.run(
        [sys.executable, "-m", "je_vs_rc.imagenet_c.pipeline", str(tmp_path / "p.yml")], capture_output=True, text=True
    )
    assert (
        proc.returncode == 2
        and proc.stderr == "error: parameter epochs = 0 is not allowed: it must be an integer >= 1\n"
    )


@pytest.mark.parametrize(
    "field, other",
    [
        ("method", "dino"),
        ("backbone", "vit_b16"),
        ("image_size", 64),
        ("epochs", 3),
        ("batch_size", 16),
        ("lr", 0.01),
        ("seed", 1),
        ("data", None),
        ("code", None),
    ],
)
def test_checkpoint_key_follows_every_input(field, other, monkeypatch):
    base = PretrainConfig("mae", "vit_tiny", 32, 2, 8)
    key = base.key("images-a")
    assert dataclasses.replace(base, device="cuda", num_workers=4).key("images-a") == key  # where it runs: no
    if field == "data":
        assert base.key("images-b") != key
    elif field == "code":
        monkeypatch.setattr(pretrain_module, "code_version", lambda: "edited")
        assert base.key("images-a") != key
    else:
        assert dataclasses.replace(base, **{field: other}).key("images-a") != key


def test_feature_key_follows_the_model_the_images_and_the_code(monkeypatch):
    def path(model_key: str, images_key: str) -> str:
        row = phases.Row("mae", "vit_tiny", 0, 0, "gaussian_noise", 1, model_key)
        return phases.feature_path(Path("/nowhere"), row, phases.ImageSet(None, None, images_key)).name

    feats = [path(m, i) for m, i in (("m", "i"), ("m2", "i"), ("m", "i2"), ("m", "i"))]
    monkeypatch.setattr(keys, "code_version", lambda *m: "edited")
    feats.append(path("m", "i"))
    assert len(set(feats)) == 4 and feats[0] == feats[3]


SMALL = dict(
    random_init=False,
    pixels=False,
    methods=["mae"],
    corruptions=["pixelate"],
    severities=[1],
    epochs=1,
    batch_size=16,
    test_images=16,
    probe_weight_decays=[1e-3],
    probe_iters=20,
)


@pytest.mark.long
@pytest.mark.data
def test_rerun_with_other_data_never_reuses_a_stale_cache(tmp_path):
    run = lambda **kw: pipeline.run(ExperimentConfig(**{**SMALL, "out_dir": str(tmp_path), **kw}))  # noqa: E731
    first = run(train_images=32)
    assert first["provenance"]["throughput"]["pretrain_images"] == 32
    again = run(train_images=32)
    assert again["provenance"]["throughput"]["pretrain_images"] == 0 and again["rows"] == first["rows"]
    more = run(train_images=48)  # crashed before (a checkpoint of 32 images was resumed)
    assert more["provenance"]["throughput"]["pretrain_images"] == 48
    shutil.rmtree(tmp_path / "cache" / "features")
    assert run(train_images=48)["rows"] == more["rows"]  # resumed the right checkpoint, not the 32-image one
    assert run(train_images=48, seeds=[1])["provenance"]["throughput"]["pretrain_images"] == 48
    assert (tmp_path / "results.json").is_file()


@pytest.mark.data
def test_experiment_end_to_end_with_a_checkpoint(tmp_path):
    # Pretrain MAE once through the experiment, then evaluate its checkpoint off the shelf: same score.
    small = {**SMALL, "train_images": 32}
    first = pipeline.run(ExperimentConfig(**small, out_dir=str(tmp_path / "a")))
    assert [r["severity"] for r in first["rows"]] == [1] and first["drops"] == []
    (ckpt,) = (tmp_path / "a" / "cache" / "checkpoints").glob("mae_*/last.pt")
    again = pipeline.run(ExperimentConfig(**small, out_dir=str(tmp_path / "b"), checkpoints={"mae": str(ckpt)}))
    assert again["rows"][0]["top1"] == pytest.approx(first["rows"][0]["top1"])
    assert again["provenance"]["throughput"]["pretrain_images"] == 0


def test_official_imagenet_c_folders_as_test_set(tmp_path, image_tree):
    image_tree(tmp_path / "inet", n=4)
    image_tree(tmp_path / "inet-c" / "pixelate", splits=("1",), n=3)
    result = pipeline.run(
        ExperimentConfig(
            **{**SMALL, "test_images": None, "batch_size": 8},
            dataset="imagefolder",
            data_root=str(tmp_path / "inet"),
            imagenet_c_root=str(tmp_path / "inet-c"),
            train_images=None,
            out_dir=str(tmp_path / "out"),
        )
    )
    assert result["provenance"]["throughput"]["feature_images"] == 8 + 6  # train 2 x 4, ImageNet-C 2 x 3
    assert len(result["rows"]) == 1 and np.isfinite(result["rows"][0]["top1"])


@pytest.mark.parametrize(
    "pairs, match",
    [
        ([("epochs", "0")], r"^error: parameter epochs = 0 is not allowed: it must be an integer >= 1\n$"),
        (
            [("backbones", "vit")],
            r"^error: parameter backbones = 'vit' is not allowed: it must be 'paper', one of .*\n$",
        ),
        ([("params_file", "../params/nothing.yml")], r"^error: params file '.*nothing.yml' cannot be read"),
    ],
)
def test_runner_gives_chapter_8_one_line_errors_before_papermill(pairs, match, capsys, monkeypatch, tmp_path):
    import papermill

    from je_vs_rc import run

    def never(*args, **kwargs):
        raise AssertionError("papermill started")

    monkeypatch.setattr(papermill, "execute_notebook", never)
    argv = ["imagenet_c", "--out", str(tmp_path)] + [x for pair in pairs for x in ("-p", *pair)]
    assert run.main(argv) == 2
    import re

    assert re.search(match, capsys.readouterr().err)
    assert not list(tmp_path.rglob("*.ipynb"))


def test_runner_checks_the_params_file_relative_to_the_chapter(tmp_path):
    from je_vs_rc import run

    (tmp_path / "p.yml").write_text("severities: [7]\n")
    path = run.find_chapter("imagenet_c")
    with pytest.raises(ValueError, match=r"parameter severities = \[7\] is not allowed: .*<= 5"):
        run.resolve(path, {"params_file": str(tmp_path / "p.yml")})
    # Showing a saved run checks nothing.
    assert run.resolve(path, {"params_file": str(tmp_path / "p.yml"), "results_path": "saved.json"})["epochs"] == 2


@pytest.mark.data
def test_without_the_clean_probe_top1_clean_is_nan_and_no_clean_features(tmp_path):
    cfg = ExperimentConfig(**{**SMALL, "train_images": 32, "clean_probe": False, "out_dir": str(tmp_path)})
    out = pipeline.run(cfg)
    assert np.isnan(out["rows"][0]["top1_clean"]) and np.isfinite(out["rows"][0]["top1"])
    assert out["provenance"]["throughput"]["feature_images"] == 32 + 16  # the corrupted sets only


@pytest.mark.data
def test_a_baselines_clean_probe_is_fitted_once_for_every_severity(tmp_path, monkeypatch):
    """The raw pixels' clean images are the same at every severity: their probe is fitted once and shared."""
    from je_vs_rc.imagenet_c import probe

    fitted = []
    real = probe.linear_probe
    monkeypatch.setattr(probe, "linear_probe", lambda *a, **k: fitted.append(a[0].shape) or real(*a, **k))
    cfg = {**SMALL, "pixels": True, "severities": [1, 2], "train_images": 32, "out_dir": str(tmp_path)}
    rows = {(r["method"], r["severity"]): r for r in pipeline.run(ExperimentConfig(**cfg))["rows"]}
    assert len(rows) == 4 and len(fitted) == 2 * len(rows) - 1
    assert rows["pixels", 1]["top1_clean"] == rows["pixels", 2]["top1_clean"]
