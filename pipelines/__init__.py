"""Command line and orchestration: broker, topics, replay, demo, plan, bench."""
