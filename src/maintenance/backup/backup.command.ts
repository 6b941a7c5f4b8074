import { Command } from 'nest-commander';
import { CliCommand, CliFailure, CliOutput } from '../../cli/cli-support.js';
import { messageOf } from '../../common/errors.js';
import { OfflineDatabase } from './offline-database.js';

/** `npm run backup` (and scripts/backup.sh, for cron): one backup, server up or down. */
@Command({ name: 'backup', description: 'Takes one verified backup of the database into BACKUP_DIR (the server may be running), then applies BACKUP_RETENTION_DAYS' })
export class BackupCommand extends CliCommand {
  constructor(
    private readonly database: OfflineDatabase,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run(): Promise<void> {
    try {
      const written = await this.database.backup();
      this.output.out(`Backup written: ${written.path} (${written.sizeBytes} bytes)`);
    } catch (error) {
      const message = messageOf(error);
      throw new CliFailure(message.startsWith('Backup failed') ? message : `Backup failed: ${message}`);
    }
  }
}
