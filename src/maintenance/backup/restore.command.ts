import { Command, Option } from 'nest-commander';
import { CliCommand, CliFailure, CliOutput } from '../../cli/cli-support.js';
import { messageOf } from '../../common/errors.js';
import { OfflineDatabase } from './offline-database.js';

interface RestoreFlags {
  withoutRestorePoint?: boolean;
}

/** `npm run restore -- <file>`: replaces the database with a backup (server stopped). */
@Command({
  name: 'restore',
  arguments: '<backup>',
  argsDescription: { backup: 'a backup file: a path, or a file name in BACKUP_DIR' },
  description: 'Replaces the database with a backup, after taking a restore point of the current one; refused while a server uses the database',
})
export class RestoreCommand extends CliCommand {
  constructor(
    private readonly database: OfflineDatabase,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run([archive]: string[], flags: RestoreFlags): Promise<void> {
    try {
      const result = await this.database.restore(archive, { restorePoint: !flags.withoutRestorePoint });
      if (result.restorePoint) this.output.out(`Restore point: ${result.restorePoint.path} (${result.restorePoint.sizeBytes} bytes)`);
      this.output.out(`Restored ${result.database} from ${result.archive}`);
    } catch (error) {
      throw new CliFailure(`Restore refused: ${messageOf(error).replace(/\.$/, '')}. The current database was not changed.`);
    }
  }

  @Option({
    flags: '--without-restore-point',
    description: 'for a damaged current database: keep its files aside (SQLite) or skip the pg_dump (PostgreSQL) instead of backing it up first',
  })
  parseWithoutRestorePoint(): boolean {
    return true;
  }
}
