"""Names of the generated config files and DeepStream's install paths.

Imported by both the config generator and the edge app; depends on nothing,
so the app runs in a DeepStream container without citybrain's stream stack.
"""

from __future__ import annotations

DS_ROOT = "/opt/nvidia/deepstream/deepstream"  # DeepStream 7.x containers and SDK
KAFKA_PROTO_LIB = f"{DS_ROOT}/lib/libnvds_kafka_proto.so"
FILES = {
    "infer": "config_infer_primary.txt",
    "labels": "labels.txt",
    "tracker": "config_tracker.txt",
    "analytics": "config_nvdsanalytics.txt",
    "msgconv": "config_msgconv.txt",
    "broker": "config_kafka.txt",
    "sources": "sources.txt",
}
