"""Video intelligence: detections → trustworthy alerts (persistence, permits, suppression)."""
