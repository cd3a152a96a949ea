"""Bulk registration from CSV or XLSX, by noun: `files` (an upload read into rows within bounds;
the template and the error report), `rows` (each row checked), `registrations` (a batch registered
set-based), `writes` (COPY, or a staging table's inserts) and `jobs` (a file imported by a worker in
resumable chunks). The names pages, the API, tasks and benches call are these."""

from relicensing.services.imports.files import (
    COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    Row,
    error_report_csv,
    rows_read,
    template_csv,
)
from relicensing.services.imports.jobs import import_job_create, import_job_run, import_jobs_resume
from relicensing.services.imports.registrations import ImportResult, registrations_import

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "ImportResult",
    "Row",
    "error_report_csv",
    "import_job_create",
    "import_job_run",
    "import_jobs_resume",
    "registrations_import",
    "rows_read",
    "template_csv",
]
