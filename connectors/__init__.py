"""One module per source protocol or format: pure parsers plus I/O adapters."""
