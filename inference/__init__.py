"""DeepStream pipeline for GPU edge hosts.

Config generation (:mod:`inference.configs`), the dwell-time bookkeeping
(:mod:`inference.dwell`) and the pipeline/probe builders import nothing from
DeepStream; only :mod:`inference.app` imports ``gi.repository.Gst`` and
``pyds``, and only when run on a DeepStream host.
"""
