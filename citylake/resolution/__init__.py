"""Entity resolution: which silver records are one person, which one enterprise.

A job before dbt (``citylake.resolution.job.run_resolution``). Every silver table whose
contract names a person (citizen ID, person name, legal representative) or an
organisation (credit code, enterprise name) contributes *mentions*; Splink links them
(Fellegi-Sunter, EM-trained, term-frequency adjusted) on tokens and non-sensitive
columns, and the clusters land in ``silver.person_xref`` / ``silver.org_xref``, the
join keys of the gold golden records.
"""
