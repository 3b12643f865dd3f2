"""faust workers: one package per domain (hotspots, sink; later flood, vehicles, video, cases)."""
