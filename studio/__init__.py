"""Studio: turn a provincial information campaign into every asset its channels need."""

__version__ = "0.1.0"
