"""The benchmark harness of issue 8: ``python -m bench`` (``make bench``)."""
