"""Data security: the protection of citizens' data across the lake.

* ``crypto``            SM4-GCM envelopes and HMAC-SM3 tokens (``cryptography``)
* ``keys``              envelope keys: a pluggable master-key provider, the key ring, rotation
* ``column_protection`` the silver/quarantine hook (``protect``) as Spark pandas UDFs
* ``tags``              what each column holds and how sensitive it is (contracts, scans)
* ``detectors``, ``classification``, ``discovery``  sensitive-data discovery and grading
* ``leaks``             an independent search for plaintext identifiers in tables and files
* ``policy``, ``masking``, ``views``  roles, masks and per-role views (secure_<role>)
* ``audit``, ``access`` entitled decryption, every attempt written to ops.audit_log
* ``commands``          the ``citylake security`` and ``citylake keys`` commands

docs/security.md explains the design. Submodules import only what they need: Spark
workers import ``crypto`` and ``keys`` to run the UDFs.
"""
