"""faust workers, one package per domain (hotspots, sink, and later flood, vehicles, video, cases)."""
