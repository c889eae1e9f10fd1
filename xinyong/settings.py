"""Every setting of the platform, read from environment variables.

Each setting is declared once in ``SETTINGS`` with its default and meaning; the README
documents every one of them (a test fails otherwise).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path

from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class SettingSpec:
    name: str
    default: str
    meaning: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "XINYONG_DATABASE_URL",
        "sqlite:///./xinyong.db",
        "SQLAlchemy database URL. Unset: an SQLite file in the working directory (WAL mode). "
        "Production: postgresql+psycopg://user@host/db.",
    ),
    SettingSpec(
        "XINYONG_SECRET_KEY",
        "(generated into xinyong.key beside the database)",
        "Secret from which the keys for personal ID numbers (hash, encryption) and for the audit "
        "log (chain MAC, checkpoint signatures) are derived. Unset: read from the file "
        "xinyong.key in the SQLite database's folder (other databases: in XINYONG_DATA_DIR), "
        "generated there only for a fresh, empty database. The database records the key's "
        "fingerprint; a process with another key, or none, refuses to start. Keep it apart from "
        "the database: a database copy alone must not reveal ID numbers.",
    ),
    SettingSpec("XINYONG_HOST", "127.0.0.1", "Address `xinyong serve` listens on."),
    SettingSpec("XINYONG_PORT", "8000", "Port `xinyong serve` listens on."),
    SettingSpec(
        "XINYONG_TODAY",
        "(the real date)",
        "Pretend today is this ISO date (YYYY-MM-DD). For demonstrations and tests only.",
    ),
    SettingSpec(
        "XINYONG_CITY_NAME", "示范市", "City name shown on the portal and in the demo data."
    ),
    SettingSpec(
        "XINYONG_DATA_DIR",
        "(xinyong-data beside the SQLite database; ./xinyong-data otherwise)",
        "Folder for files the platform writes: rejected-row files of API batches, bulk checks, "
        "exports; for a non-SQLite database also the key file xinyong.key.",
    ),
    SettingSpec(
        "XINYONG_AUDIT_CHECKPOINT_DIR",
        "(audit-checkpoints in the data folder)",
        "Folder for the signed checkpoints of the audit log's head, written by `xinyong audit "
        "checkpoint` and daily by `xinyong jobs run`, read by `xinyong audit verify`. Put it "
        "where database administrators cannot write, and copy it off the machine.",
    ),
    SettingSpec("XINYONG_SESSION_HOURS", "8", "Lifetime of a staff login session, in hours."),
    SettingSpec(
        "XINYONG_SELF_SERVICE_SIGNIN",
        "builtin",
        "How enterprises and citizens sign in to their own pages (/me): `builtin` (USCC, legal "
        "representative's ID, password and TOTP code; citizens ID and password) or the name of "
        "a provider a city registered (xinyong.selfservice.signin.register_provider).",
    ),
    SettingSpec(
        "XINYONG_REDIS_URL",
        "(unset: counted in each server process)",
        "Redis URL (e.g. redis://127.0.0.1:6379/0) for the API quotas' counters, so that "
        "several servers share one count per key.",
    ),
    SettingSpec(
        "XINYONG_BACKUP_PASSPHRASE",
        "(unset: backup and restore refuse to run)",
        "Passphrase (at least 12 characters) that seals the platform key inside a backup "
        "(`xinyong backup`, scrypt and AES-256-GCM) and opens it again at `xinyong restore`. "
        "Keep it apart from the backups.",
    ),
    SettingSpec(
        "XINYONG_ANALYTICS_ENGINE",
        "embedded",
        "Where full evaluation runs are computed: `embedded` (this process, Polars) or `spark` "
        "(Apache Spark at XINYONG_SPARK_MASTER, from a Parquet snapshot of the records; needs "
        "`pip install 'xinyong[spark]'` and Java 17). Re-grades after a batch stay embedded.",
    ),
    SettingSpec(
        "XINYONG_SPARK_MASTER",
        "local[*]",
        "Spark master URL for XINYONG_ANALYTICS_ENGINE=spark: `local[*]` (the cores of this "
        "machine) or a cluster's `spark://host:7077`; executors need the same xinyong package.",
    ),
    SettingSpec(
        "XINYONG_SPARK_BUCKETS",
        "16",
        "Buckets of subjects a Spark job splits the population into (each graded in one task).",
    ),
    SettingSpec(
        "XINYONG_LOG_FORMAT",
        "text",
        "`json`: `xinyong serve` writes one JSON object per log line (time, level, logger, "
        "message, request id, method, route, status, duration) for a log collector; `text`: "
        "plain lines.",
    ),
    SettingSpec(
        "XINYONG_INGEST_MAX_FILE_MB",
        "1024",
        "Largest file a department may submit (upload, command line, drop folder), in MB; "
        "a larger one is refused before it is read.",
    ),
    SettingSpec(
        "XINYONG_INGEST_MAX_UNZIPPED_MB",
        "2048",
        "Largest total uncompressed size of an XLSX file's parts, in MB, read from the zip's "
        "central directory before the file is opened.",
    ),
    SettingSpec(
        "XINYONG_INGEST_MAX_ZIP_RATIO",
        "100",
        "Largest compression ratio of a part of an XLSX file (parts over 1 MB uncompressed); "
        "a higher one is a zip bomb and the file is refused before it is opened.",
    ),
    SettingSpec("XINYONG_INGEST_MAX_ROWS", "5000000", "Most data rows in one submitted file."),
    SettingSpec(
        "XINYONG_INGEST_MAX_COLUMNS", "200", "Most columns in one submitted file's header."
    ),
    SettingSpec(
        "XINYONG_INGEST_MAX_CELL_CHARS",
        "32767",
        "Longest value of one cell, in characters (Excel's own limit); a row with a longer "
        "cell is rejected with the reason.",
    ),
    SettingSpec(
        "XINYONG_INGEST_WORKERS",
        "1",
        "Batches (API uploads, large JSON pushes) run at once, each in its own worker process.",
    ),
    SettingSpec(
        "XINYONG_INGEST_WORKER_MEMORY_MB",
        "8192",
        "Address space of one ingest worker process, in MB (RLIMIT_AS); past it the batch "
        "fails with the reason and loads nothing.",
    ),
    SettingSpec(
        "XINYONG_INGEST_WORKER_SECONDS",
        "7200",
        "Longest run of one ingest worker, in seconds; then it is stopped, the batch fails with "
        "the reason and loads nothing.",
    ),
    SettingSpec(
        "XINYONG_EXCHANGE_NATION_URL",
        "(folder exchange/nation/sent in the data folder)",
        "Where upward packages for the national credit information sharing platform go: a "
        "folder (a path or file:// URL) or an https:// endpoint that takes a POST of the "
        "package (ZIP) and may answer with a receipt.",
    ),
    SettingSpec(
        "XINYONG_EXCHANGE_PROVINCE_URL",
        "(folder exchange/province/sent in the data folder)",
        "Where upward packages for the provincial public credit information platform go: a "
        "folder (a path or file:// URL) or an https:// endpoint, as for the national one.",
    ),
    SettingSpec(
        "XINYONG_EXCHANGE_CITY_URL",
        "(folder exchange/city/sent in the data folder)",
        "Where list packages shared with partner cities go (folder or https://).",
    ),
    SettingSpec(
        "XINYONG_EXCHANGE_CA_FILE",
        "(the system's certificate authorities)",
        "PEM file of the certificate authorities trusted for https:// exchange endpoints.",
    ),
    SettingSpec(
        "XINYONG_PUBLIC_URL",
        "(http://XINYONG_HOST:XINYONG_PORT)",
        "Address of the public portal as the public reaches it; a credit report's QR code and "
        "verification link point to its /reports/verify page.",
    ),
    SettingSpec(
        "XINYONG_REPORT_FONT",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "TrueType font (collection: its first face) embedded in credit report PDFs; the default "
        "is Debian's fonts-wqy-zenhei, which `make install` installs.",
    ),
    SettingSpec(
        "XINYONG_REPORT_CERT",
        "(report-signing.crt in the data folder)",
        "Certificate of the key that signs credit reports (PAdES). The key is derived from the "
        "platform key; the self-signed certificate is written here on first use and is what "
        "`xinyong reports verify` checks a PDF against.",
    ),
    SettingSpec(
        "XINYONG_TEST_PG_URL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        "Tests only: PostgreSQL server used to create throw-away test databases. Tests run on "
        "PostgreSQL when this is set or when 127.0.0.1:5432 answers.",
    ),
    SettingSpec(
        "XINYONG_TEST_REALDATA_DIR",
        "",
        "Tests only: folder of the real published files the real-file tests read (default: "
        "shared/realdata beside the checkout or above it); they skip when it is absent.",
    ),
    SettingSpec(
        "XINYONG_TEST_REQUIRE_BROWSER",
        "0",
        "Tests only: 1 makes the browser tests fail instead of skipping when Chromium "
        "(/usr/bin/chromium, Debian package chromium) is missing (CI sets it).",
    ),
    SettingSpec(
        "XINYONG_TEST_REQUIRE_SPARK",
        "0",
        "Tests only: 1 makes the Spark engine tests fail instead of skipping when Java or "
        "PySpark is missing (CI sets it).",
    ),
    SettingSpec(
        "XINYONG_TEST_REQUIRE_PG",
        "0",
        "Tests only: 1 makes the suite fail instead of skipping when PostgreSQL is unreachable "
        "(CI sets it).",
    ),
)

_DEFAULT_DB_URL = "sqlite:///./xinyong.db"
KEY_FILE = "xinyong.key"


class PlatformKeyError(RuntimeError):
    """The platform key is missing or is not the database's key; the message is in Chinese."""


@dataclass(frozen=True)
class IngestLimits:
    """Limits on a submitted file, checked before or while it is read (``xinyong.safety``)."""

    max_file_bytes: int = 1024 << 20
    max_unzipped_bytes: int = 2048 << 20
    max_zip_ratio: int = 100
    max_rows: int = 5_000_000
    max_columns: int = 200
    max_cell_chars: int = 32_767
    workers: int = 1
    worker_memory_bytes: int = 8192 << 20
    worker_seconds: int = 7200


def _positive(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) <= 0:
        raise ValueError(f"设置 {name} 的值“{value}”无效：应为正整数")
    return int(value)


def _ingest_limits() -> IngestLimits:
    return IngestLimits(
        max_file_bytes=_positive("XINYONG_INGEST_MAX_FILE_MB", 1024) << 20,
        max_unzipped_bytes=_positive("XINYONG_INGEST_MAX_UNZIPPED_MB", 2048) << 20,
        max_zip_ratio=_positive("XINYONG_INGEST_MAX_ZIP_RATIO", 100),
        max_rows=_positive("XINYONG_INGEST_MAX_ROWS", 5_000_000),
        max_columns=_positive("XINYONG_INGEST_MAX_COLUMNS", 200),
        max_cell_chars=_positive("XINYONG_INGEST_MAX_CELL_CHARS", 32_767),
        workers=_positive("XINYONG_INGEST_WORKERS", 1),
        worker_memory_bytes=_positive("XINYONG_INGEST_WORKER_MEMORY_MB", 8192) << 20,
        worker_seconds=_positive("XINYONG_INGEST_WORKER_SECONDS", 7200),
    )


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str
    port: int
    today_override: date | None
    city_name: str
    session_hours: int
    data_dir: Path
    audit_checkpoint_dir: Path
    key_file: Path
    """Where the platform key lives when XINYONG_SECRET_KEY is unset."""
    redis_url: str | None
    backup_passphrase: str | None = field(default=None, repr=False)
    """XINYONG_BACKUP_PASSPHRASE: seals the platform key in a backup."""
    log_format: str = "text"
    analytics_engine: str = "embedded"
    spark_master: str = "local[*]"
    spark_buckets: int = 16
    exchange_endpoints: dict[str, str] = field(default_factory=dict)
    """Upward exchange transport per target (XINYONG_EXCHANGE_<TARGET>_URL)."""
    exchange_ca_file: Path | None = None
    public_url: str = "http://127.0.0.1:8000"
    report_font: Path = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    report_cert: Path = Path("report-signing.crt")
    configured_key: bytes | None = field(default=None, repr=False)
    """XINYONG_SECRET_KEY, when set."""
    limits: IngestLimits = field(default_factory=IngestLimits)
    """Limits on submitted files (XINYONG_INGEST_*)."""
    self_service_signin: str = "builtin"
    """XINYONG_SELF_SERVICE_SIGNIN: the sign-in provider of enterprises and citizens."""

    @cached_property
    def secret_key(self) -> bytes:
        """The platform secret: XINYONG_SECRET_KEY, or the key file beside the database.

        Never generated here: ``xinyong.privacy.keys`` creates the file for a fresh database
        only, and checks the key against the fingerprint the database records.
        """
        if self.configured_key is not None:
            return self.configured_key
        try:
            return read_key_file(self.key_file)
        except FileNotFoundError:
            raise PlatformKeyError(
                f"找不到平台密钥：未设置 XINYONG_SECRET_KEY，密钥文件 {self.key_file} 也不存在。"
                "请设置 XINYONG_SECRET_KEY，或把该数据库的密钥文件放回原处。"
            ) from None


def read_key_file(path: Path) -> bytes:
    key = path.read_text(encoding="utf-8").strip().encode("utf-8")
    if not key:
        raise PlatformKeyError(f"密钥文件 {path} 是空的")
    return key


def _log_format() -> str:
    return _choice("XINYONG_LOG_FORMAT", ("text", "json"), "text")


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (_env(name) or default).lower()
    if value not in allowed:
        raise ValueError(f"{name} 的值 {value!r} 无效：只能是 {' 或 '.join(allowed)}")
    return value


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def sqlite_file(database_url: str) -> Path | None:
    """The absolute path of an SQLite URL's database file (None: not an SQLite file)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database).expanduser().resolve()


def load_settings(database_url: str | None = None) -> Settings:
    """Settings from the environment; ``database_url`` overrides XINYONG_DATABASE_URL.

    Relative paths are resolved against the working directory now. The key file and, unless
    XINYONG_DATA_DIR says otherwise, the data folder are beside an SQLite database file, so a
    command run from another folder finds the same key; for other databases they are in the
    data folder.
    """
    today = _env("XINYONG_TODAY")
    url = database_url or _env("XINYONG_DATABASE_URL") or _DEFAULT_DB_URL
    db_file = sqlite_file(url)
    configured_data = _env("XINYONG_DATA_DIR")
    if configured_data:
        data_dir = Path(configured_data).expanduser().resolve()
    elif db_file is not None:
        data_dir = db_file.parent / "xinyong-data"
    else:
        data_dir = Path("xinyong-data").resolve()
    checkpoints = _env("XINYONG_AUDIT_CHECKPOINT_DIR")
    host, port = _env("XINYONG_HOST") or "127.0.0.1", int(_env("XINYONG_PORT") or "8000")
    cert = _env("XINYONG_REPORT_CERT")
    configured_key = _env("XINYONG_SECRET_KEY")
    return Settings(
        database_url=url,
        host=host,
        port=port,
        today_override=date.fromisoformat(today) if today else None,
        city_name=_env("XINYONG_CITY_NAME") or "示范市",
        session_hours=int(_env("XINYONG_SESSION_HOURS") or "8"),
        data_dir=data_dir,
        audit_checkpoint_dir=(
            Path(checkpoints).expanduser().resolve()
            if checkpoints
            else data_dir / "audit-checkpoints"
        ),
        key_file=(db_file.parent if db_file is not None else data_dir) / KEY_FILE,
        redis_url=_env("XINYONG_REDIS_URL"),
        backup_passphrase=_env("XINYONG_BACKUP_PASSPHRASE"),
        log_format=_log_format(),
        analytics_engine=_choice("XINYONG_ANALYTICS_ENGINE", ("embedded", "spark"), "embedded"),
        spark_master=_env("XINYONG_SPARK_MASTER") or "local[*]",
        spark_buckets=_positive("XINYONG_SPARK_BUCKETS", 16),
        public_url=(_env("XINYONG_PUBLIC_URL") or f"http://{host}:{port}").rstrip("/"),
        report_font=Path(
            _env("XINYONG_REPORT_FONT") or "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
        ),
        report_cert=(
            Path(cert).expanduser().resolve() if cert else data_dir / "report-signing.crt"
        ),
        self_service_signin=_env("XINYONG_SELF_SERVICE_SIGNIN") or "builtin",
        configured_key=configured_key.encode("utf-8") if configured_key else None,
        limits=_ingest_limits(),
        exchange_endpoints={
            target: value
            for target, value in (
                ("nation", _env("XINYONG_EXCHANGE_NATION_URL")),
                ("province", _env("XINYONG_EXCHANGE_PROVINCE_URL")),
                ("city", _env("XINYONG_EXCHANGE_CITY_URL")),
            )
            if value
        },
        exchange_ca_file=Path(ca).expanduser().resolve()
        if (ca := _env("XINYONG_EXCHANGE_CA_FILE"))
        else None,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (after the environment changed, e.g. in tests)."""
    get_settings.cache_clear()
