"""citybrain shared foundations: settings, topic registry, source contracts, geography.

Every other layer (connectors, streams, warehouse, models, dashboards) imports
from here; nothing here imports from them.
"""
