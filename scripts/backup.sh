#!/bin/sh
# Cron entry point, like the original's scripts/backup.sh: takes one backup of the database
# named by DATABASE_URL (from .env or the environment) into BACKUP_DIR, with the server up or
# down, and removes backups older than BACKUP_RETENTION_DAYS. Exit status 0 on success.
#   0 2 * * * /path/to/project/scripts/backup.sh >> /var/log/dnd-backup.log 2>&1
set -eu
cd "$(dirname "$0")/.."
# Use the built CLI when it is there: a production install may lack the dev tools to build.
if [ -f dist/src/cli/main.js ]; then
  exec node dist/src/cli/main.js backup
fi
exec npm run --silent backup
