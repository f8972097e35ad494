"""Data security: the protection of citizens' data across the lake.

* ``crypto``            SM4-GCM envelopes and HMAC-SM3 tokens (``cryptography``)
* ``keys``              envelope keys: a pluggable master-key provider, the key ring, rotation
* ``column_protection`` the silver/quarantine hook (``protect``) as Spark pandas UDFs
* ``tags``              what each column holds and how sensitive it is (contracts, scans)
* ``detectors``, ``classification``, ``discovery``  sensitive-data discovery and grading
* ``leaks``             an independent search for plaintext identifiers in tables and files
* ``specs``             which tables to secure and their tags: contracts, dbt model meta, the scan
* ``policy``, ``masking``, ``views``  roles, masks (SQL and their Python twin) and per-role views (secure_<role>)
* ``catalog_tags``      the scan's classification and grade tags, for ``citylake catalog sync``
* ``audit``, ``access`` entitled decryption, every attempt written to ops.audit_log
* ``commands``          the ``citylake security`` and ``citylake keys`` commands
* ``demo``              the demo's last step: every role's views, and where to look

docs/security.md explains the design. Submodules import only what they need: Spark
workers import ``crypto`` and ``keys`` to run the UDFs.
"""
