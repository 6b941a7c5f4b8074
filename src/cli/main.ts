import 'reflect-metadata';
import { runCli } from './cli.js';

/** `npm run backup`, `npm run restore -- <file>`, `npm run adopt -- <folder>`: `node dist/src/cli/main.js <command>`. */
process.exitCode = await runCli(process.argv.slice(2));
