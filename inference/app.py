"""``python -m inference.app``: run the DeepStream pipeline on a DeepStream host.

Reads a directory written by ``citybrain inference configs --out DIR``, builds
the graph (:mod:`inference.pipeline`) with the dwell probe
(:mod:`inference.probe`) and plays it until end of stream, an error or Ctrl-C.
``gi.repository.Gst`` and ``pyds`` are imported here only, when run; without
them (or without DeepStream's plugins) it exits with status 2 naming what is
missing. The broker is ``--broker``, else ``CITYBRAIN_BROKER``, else the
``conn-str`` the configs were generated with.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from inference.dwell import DwellClock
from inference.files import FILES, conn_str
from inference.pipeline import FACTORIES, PipelineError, build, read_spec
from inference.probe import DwellProbe

PLUGINS = (*FACTORIES.values(), "nvurisrcbin")
NOT_HERE = (
    "inference.app runs only on a DeepStream 7.x host (NVIDIA GPU, DeepStream SDK or "
    "container, its Python bindings); configs can be generated anywhere with "
    "`citybrain inference configs --out DIR`."
)


def load_runtime() -> tuple[Any, Any, Any] | str:
    """``(Gst, GLib, pyds)`` initialised, or a sentence naming what is missing."""
    missing = []
    try:
        import gi

        gi.require_version("Gst", "1.0")
        from gi.repository import GLib, Gst
    except (ImportError, ValueError) as exc:
        missing.append(f"GStreamer's Python bindings (gi, Gst 1.0): {exc}")
    try:
        import pyds
    except ImportError as exc:
        missing.append(f"DeepStream's Python bindings (pyds): {exc}")
    if missing:
        return "missing " + "; ".join(missing)
    Gst.init(None)
    absent = [name for name in PLUGINS if Gst.ElementFactory.find(name) is None]
    if absent:
        return f"missing DeepStream GStreamer plugins: {', '.join(absent)}"
    return Gst, GLib, pyds


def play(gst: Any, glib: Any, pipeline: Any) -> int:
    """Run the pipeline until EOS (0), an error (1) or Ctrl-C (0)."""
    loop = glib.MainLoop()
    status = {"code": 0}

    def on_message(bus: Any, message: Any) -> None:
        if message.type == gst.MessageType.EOS:
            loop.quit()
        elif message.type == gst.MessageType.ERROR:
            error, debug = message.parse_error()
            print(f"inference.app: {error.message} ({debug})", file=sys.stderr)
            status["code"] = 1
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    pipeline.set_state(gst.State.PLAYING)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    finally:
        pipeline.set_state(gst.State.NULL)
    return status["code"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m inference.app", description=__doc__)
    parser.add_argument("--configs", type=Path, default=Path("deepstream-configs"))
    parser.add_argument("--broker", default=os.environ.get("CITYBRAIN_BROKER"), help="host:port")
    parser.add_argument("--forget-after-s", type=float, default=10.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, *, runtime: tuple[Any, Any, Any] | None = None) -> int:
    """Entry point; the process exit status. ``runtime``: ``(Gst, GLib, pyds)`` already loaded."""
    args = parse_args(argv)
    runtime = runtime or load_runtime()
    if isinstance(runtime, str):
        print(f"inference.app: {runtime}\n{NOT_HERE}", file=sys.stderr)
        return 2
    if not (args.configs / FILES["sources"]).is_file():
        print(f"inference.app: no {FILES['sources']} in {args.configs}", file=sys.stderr)
        return 2
    gst, glib, pyds = runtime
    try:
        spec = read_spec(args.configs, conn_str=conn_str(args.broker) if args.broker else None)
        probe = DwellProbe(
            pyds=pyds,
            ok=gst.PadProbeReturn.OK,
            clock=DwellClock(forget_after_s=args.forget_after_s),
            label_map=spec.label_map,
        )
        built = build(gst, spec, probe=probe)
    except (PipelineError, ValueError, KeyError) as exc:
        print(f"inference.app: {exc}", file=sys.stderr)
        return 2
    print(f"inference.app: {len(spec.uris)} sources → {spec.conn_str}", file=sys.stderr)
    return play(gst, glib, built.pipeline)


if __name__ == "__main__":
    sys.exit(main())
