"""Published tables: the marts others rely on, as Delta tables in the ``published`` schema.

* ``contracts`` one versioned contract per table (``metadata/published/<name>.yml``), validated
* ``writer``    a gold model through its role's view (masks, tokens) into
                ``published.<name>_v<version>``, change data feed on, only what changed
* ``manifest``  ``<lake>/published/_manifest.json``: each table's path, Delta version, schema
* ``readers``   ``read_with_deltalake`` / ``read_with_duckdb``: the tables without Spark
* ``commands``  ``citylake published`` (the manifest), ``publish``, ``check``

These tables are the downstream contract. The ``published.<source>__<entity>`` views over
a gate-passed silver version (``citylake.layers.publish``) are for Spark and SQL readers
inside the platform; they have no contract file and are not in the manifest.
"""
