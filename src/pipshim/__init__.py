"""pipshim: `pip install` that works on an externally managed Python."""

__version__ = "0.1.0"
