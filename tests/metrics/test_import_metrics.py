"""Importing metric values computed elsewhere: `manage.py arena_import_metrics FILE.csv`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arena.models import Asset, Generator, Prompt, Status
from metrics.models import AssetMetric, GeneratorMetric, ImportedMetric, MetricSource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cast() -> None:
    chair = Prompt.objects.create(slug="chair", text="A chair")
    lamp = Prompt.objects.create(slug="lamp", text="A lamp", task="image-to-3d")
    for name in ("Atlas", "Birch"):
        gen = Generator.objects.create(name=name)
        Asset.objects.create(prompt=chair, generator=gen, status=Status.OK)
    Asset.objects.create(prompt=lamp, generator=Generator.objects.get(name="Atlas"), status=Status.OK)


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "metrics.csv"
    path.write_text(text)
    return path


def test_it_imports_asset_level_rows(tmp_path, capsys):
    path = _csv(tmp_path, "model,prompt,metric,value\nAtlas,chair,uni3d_3d3d,0.81\nBirch,chair,uni3d_3d3d,\n"
                          "Atlas,lamp,chamfer,0.02\n")  # fmt: skip
    call_command("arena_import_metrics", str(path))
    rows = {(m.asset.generator.name, m.asset.prompt.slug, m.name): m for m in AssetMetric.objects.all()}
    assert rows[("Atlas", "chair", "uni3d_3d3d")].value == 0.81
    assert rows[("Birch", "chair", "uni3d_3d3d")].value is None  # empty: undefined for that asset
    assert rows[("Atlas", "lamp", "chamfer")].source == MetricSource.IMPORTED
    assert "(asset level): 3 created, 0 updated, 0 error(s)" in capsys.readouterr().out
    call_command("arena_import_metrics", str(path))
    assert "0 created, 3 updated" in capsys.readouterr().out
    assert AssetMetric.objects.count() == 3


def test_it_imports_model_level_rows_with_and_without_a_task(tmp_path):
    path = _csv(tmp_path, "model,metric,value,task\nAtlas,siglip_render_paired,0.91,\n"
                          "Birch,siglip_render_paired,0.85,text-to-3d\n")  # fmt: skip
    call_command("arena_import_metrics", str(path))
    rows = {(m.generator.name, m.task): m.value for m in GeneratorMetric.objects.all()}
    assert rows == {("Atlas", ""): 0.91, ("Birch", "text-to-3d"): 0.85}
    call_command("arena_import_metrics", str(_csv(tmp_path, "model,metric,value\nBirch,dino_render_best,0.7\n")))
    assert GeneratorMetric.objects.get(name="dino_render_best").task == ""


def test_it_keeps_good_rows_and_names_each_bad_one(tmp_path, capsys):
    path = _csv(
        tmp_path,
        "model,prompt,metric,value\n"
        "Atlas,chair,fscore,0.9\n"  # 2: good
        "Nobody,chair,fscore,0.9\n"  # 3
        "Atlas,sofa,fscore,0.9\n"  # 4
        "Birch,chair,fscore,high\n"  # 5
        "Birch,lamp,fscore,0.5\n"  # 6: Birch made no lamp
        "Birch,chair,Bad Name,0.5\n"  # 7
        "Birch,chair,fscore,0.7\n"  # 8: good
        "Birch,chair,fscore,0.8\n"  # 9: again
        "Birch,chair,fscore\n",  # 10
    )
    with pytest.raises(CommandError, match="7 row"):
        call_command("arena_import_metrics", str(path))
    err = capsys.readouterr().err
    for line, reason in [
        (3, "unknown model 'Nobody'"),
        (4, "unknown prompt 'sofa'"),
        (5, "value 'high' is not a number"),
        (6, "model 'Birch' has no asset for prompt 'lamp'"),
        (7, "metric 'Bad Name' is not a valid name"),
        (9, "the same value was given on line 8"),
        (10, "expected 4 columns, found 3"),
    ]:
        assert f"{path}:{line}: {reason}" in err
    assert dict(AssetMetric.objects.values_list("asset__generator__name", "value")) == {"Atlas": 0.9, "Birch": 0.7}


def test_it_rejects_an_unknown_column_layout_without_importing_anything(tmp_path, capsys):
    path = _csv(tmp_path, "generator,score\nAtlas,0.5\n")
    with pytest.raises(CommandError):
        call_command("arena_import_metrics", str(path))
    assert f"{path}:1: unknown column layout generator,score" in capsys.readouterr().err
    assert not AssetMetric.objects.exists() and not GeneratorMetric.objects.exists()


def test_it_rejects_bad_model_level_values_and_tasks(tmp_path, capsys):
    path = _csv(tmp_path, "model,metric,value,task\nAtlas,uni3d,,\nAtlas,uni3d,inf,\nAtlas,uni3d,0.5,video\n")
    with pytest.raises(CommandError, match="3 row"):
        call_command("arena_import_metrics", str(path))
    err = capsys.readouterr().err
    assert f"{path}:2: empty value" in err
    assert f"{path}:3: value 'inf' is not a finite number" in err
    assert f"{path}:4: unknown task 'video'" in err


def test_it_reports_a_missing_file(tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("arena_import_metrics", str(tmp_path / "nope.csv"))
    assert "nope.csv: cannot read" in capsys.readouterr().err


def test_it_stores_a_declared_direction_and_says_so(tmp_path, capsys):
    path = _csv(tmp_path, "model,prompt,metric,value,direction\nAtlas,chair,uni3d_distance,0.3,lower\n"
                          "Birch,chair,uni3d_distance,0.5,\n")  # fmt: skip
    call_command("arena_import_metrics", str(path))
    assert ImportedMetric.objects.get(name="uni3d_distance").higher_is_better is False
    out = capsys.readouterr().out
    assert "metric 'uni3d_distance': lower is better (declared in this file)" in out
    assert "warning" not in out
    # A later file without the column keeps the stored direction, and says so.
    call_command("arena_import_metrics", str(_csv(tmp_path, "model,metric,value\nAtlas,uni3d_distance,0.4\n")))
    out = capsys.readouterr().out
    assert "metric 'uni3d_distance': lower is better (as declared before)" in out
    assert ImportedMetric.objects.get(name="uni3d_distance").higher_is_better is False


def test_it_warns_that_an_unknown_metric_without_a_direction_counts_as_higher_is_better(tmp_path, capsys):
    call_command("arena_import_metrics", str(_csv(tmp_path, "model,metric,value,task\nAtlas,uni3d_3d3d,0.8,\n")))
    out = capsys.readouterr().out
    assert "warning: metric 'uni3d_3d3d' is not in the built-in catalogue and no direction was declared" in out
    assert "treated as higher-is-better" in out
    assert not ImportedMetric.objects.exists()
    # A catalogue metric needs no direction and gets no warning.
    call_command("arena_import_metrics", str(_csv(tmp_path, "model,prompt,metric,value\nAtlas,chair,fscore,0.8\n")))
    assert "warning" not in capsys.readouterr().out


def test_it_changes_a_direction_declared_again(tmp_path, capsys):
    call_command("arena_import_metrics", str(_csv(tmp_path, "model,metric,value,direction\nAtlas,gap,0.2,higher\n")))
    assert ImportedMetric.objects.get(name="gap").higher_is_better is True
    call_command("arena_import_metrics", str(_csv(tmp_path, "direction,model,metric,value\nLOWER,Atlas,gap,0.2\n")))
    assert ImportedMetric.objects.get(name="gap").higher_is_better is False
    assert "metric 'gap': lower is better (declared in this file)" in capsys.readouterr().out


def test_it_rejects_directions_that_are_unknown_or_contradict(tmp_path, capsys):
    path = _csv(
        tmp_path,
        "model,prompt,metric,value,direction\n"
        "Atlas,chair,gap,0.2,lower\n"  # 2: good
        "Birch,chair,gap,0.3,higher\n"  # 3: contradicts line 2
        "Atlas,chair,chamfer,0.1,higher\n"  # 4: the catalogue says lower
        "Birch,chair,chamfer,0.1,lower\n"  # 5: agrees with the catalogue
        "Atlas,lamp,spread,0.1,up\n",  # 6
    )
    with pytest.raises(CommandError, match="3 row"):
        call_command("arena_import_metrics", str(path))
    err = capsys.readouterr().err
    assert f"{path}:3: direction 'higher' contradicts the one given for 'gap' on line 2" in err
    assert f"{path}:4: metric 'chamfer' is lower-is-better in the built-in catalogue, not higher" in err
    assert f"{path}:6: direction 'up' must be 'higher' or 'lower'" in err
    assert dict(ImportedMetric.objects.values_list("name", "higher_is_better")) == {"gap": False}
    assert set(AssetMetric.objects.values_list("name", flat=True)) == {"gap", "chamfer"}
