"""citylake: an Airflow-orchestrated lakehouse for a city's public data."""

__version__ = "0.1.0"
