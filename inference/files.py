"""Names of the generated config files, DeepStream's paths, the broker address format.

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
TOPIC = "detections.video"  # citybrain.contracts.video.TOPIC (checked by a test)


def conn_str(broker: str, *, topic: str = TOPIC) -> str:
    """nvmsgbroker ``conn-str`` ``host;port;topic`` from ``host:port`` (the first broker)."""
    first = broker.split(",")[0].strip()
    host, _, port = first.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"broker must be host:port, got {broker!r}")
    return f"{host};{port};{topic}"
