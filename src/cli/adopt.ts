import { runAdoptCli } from '../import/adoption/adopt-cli.js';

/** `npm run adopt -- <old backend folder> [--dry-run]`. */
process.exitCode = await runAdoptCli(process.argv.slice(2));
