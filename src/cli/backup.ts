import { runBackupCli } from '../maintenance/backup/backup-cli.js';

/** `npm run backup` (and scripts/backup.sh, for cron): one backup, server up or down. */
process.exitCode = await runBackupCli();
