import { runRestoreCli } from '../maintenance/backup/backup-cli.js';

/** `npm run restore -- <file>`: replaces the database with a backup (server stopped). */
process.exitCode = await runRestoreCli(process.argv.slice(2));
