"""``citybrain inference configs``: DeepStream configs from the cameras reference table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from citybrain.settings import load
from pipelines.cli import app

inference_app = typer.Typer(
    help="The DeepStream edge pipeline (inference/): its generated configs.",
    no_args_is_help=True,
)
app.add_typer(inference_app, name="inference")
OUT_DIR = typer.Option(..., "--out", help="directory to write the configs into")


@inference_app.command("configs")
def configs_command(
    out: Path = OUT_DIR,
    onnx: str = typer.Option("models/citybrain_urban_detector.onnx", help="detector ONNX file"),
    engine: str = typer.Option(
        "models/citybrain_urban_detector.onnx_b50_gpu0_fp16.engine",
        help="TensorRT engine (built from the ONNX file on first start when missing)",
    ),
    labels: str = typer.Option(
        "", help="a stand-in model's labels file; empty: write citybrain's seven labels"
    ),
    num_classes: int = typer.Option(0, help="a stand-in model's class count (with --labels)"),
    label_map: str = typer.Option(
        "citybrain", help="label map to citybrain labels: citybrain, trafficcamnet, peoplenet"
    ),
    uri_template: str = typer.Option(
        "rtsp://127.0.0.1:8554/{camera_id}",
        help="URI of a camera without a `uri` in the registry ({camera_id}, any column)",
    ),
) -> None:
    """Write nvinfer, labels, tracker, nvdsanalytics, msgconv, Kafka and line-up configs.

    Cameras come from CITYBRAIN_REFERENCE_DIR/cameras.json (``citybrain
    reference export`` writes the demo county's); the broker from
    CITYBRAIN_BROKER. Relative model paths resolve against ``--out``.
    """
    from citybrain.reference import ReferenceError, read_table
    from inference.configs import Model, all_configs
    from inference.registry import sources_from_rows

    if bool(labels) != bool(num_classes):
        raise typer.BadParameter("--labels and --num-classes go together (a stand-in model)")
    settings = load()
    try:
        rows = read_table(settings.reference_path, "cameras")
        sources = sources_from_rows(rows, uri_template=uri_template)
        model = Model(onnx_path=onnx, engine_path=engine, label_map=label_map)
        if labels:
            model = replace(model, labels_path=labels, num_classes=num_classes)
        texts = all_configs(sources, model, broker=settings.broker)
    except (ReferenceError, ValueError) as exc:
        typer.echo(f"citybrain inference configs: {exc}", err=True)
        raise typer.Exit(1) from None
    out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (out / name).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out / name}")
    rois = sum(len(s.rois) for s in sources)
    lines = sum(len(s.lines) for s in sources)
    typer.echo(f"{len(sources)} cameras, {rois} ROIs, {lines} lines; broker {settings.broker}")
