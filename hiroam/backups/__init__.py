"""Backups of the PostgreSQL database: `manage.py backup_database` / `restore_database`.

Redis is not backed up: it holds only cache, broker messages and rate-limit counters
(docs/runbooks/backup-and-restore.md says what losing it means).
"""
