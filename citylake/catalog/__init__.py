"""The asset catalog (数据资产目录) and lineage (血缘), in OpenMetadata's own shapes.

Every table, column, owner, domain, classification and grade tag, glossary term (the data
elements of metadata/standards) and lineage edge is built as the JSON body of an
OpenMetadata create request. The same payloads fill the embedded catalog (a SQLite file
under ``<home>/catalog``) that ``citylake catalog search|show|lineage`` read, and are
pushed to an OpenMetadata server when one is configured.

openmetadata-ingestion cannot share the main environment (README, compatibility matrix),
so the work is split: modules named ``om_*`` run in ``.venv-openmetadata`` as
``python -m citylake.catalog.om_<name>`` and import nothing from citylake but the pure
modules ``kinds``; everything else runs in the main environment and never imports
``metadata``. The two sides exchange JSON files (``bridge``).
"""
