"""Operations: backups that restore, readiness, Prometheus metrics, structured logs."""
