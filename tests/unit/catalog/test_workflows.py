"""The ingestion workflows in metadata/openmetadata are valid OpenMetadata workflow configs."""

from __future__ import annotations

import subprocess

from citylake.catalog.config import om_python
from citylake.settings import SOURCE_ROOT, Settings

CHECK = """
import os, sys, pathlib, warnings
warnings.filterwarnings("ignore")
os.environ.update(OPENMETADATA_HOST_PORT="http://localhost:8585/api", OPENMETADATA_JWT_TOKEN="t", AIRFLOW_URL="http://airflow:8080",
                  AIRFLOW_DB_PASSWORD="p", AIRFLOW_DB_HOST_PORT="postgres:5432", CITYLAKE_HOME="/srv/citylake")
from metadata.config.common import load_config_file
from metadata.generated.schema.metadataIngestion.workflow import OpenMetadataWorkflowConfig
for path in sys.argv[1:]:
    OpenMetadataWorkflowConfig.model_validate(load_config_file(pathlib.Path(path)))
    print("valid", pathlib.Path(path).name)
"""


def test_workflow_yamls_validate(catalog_settings: Settings) -> None:
    files = sorted((SOURCE_ROOT / "metadata" / "openmetadata").glob("*.yaml"))
    assert {f.name for f in files} >= {"dbt.yaml", "airflow.yaml"}
    done = subprocess.run([str(om_python(catalog_settings)), "-c", CHECK, *map(str, files)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("valid") == len(files)
