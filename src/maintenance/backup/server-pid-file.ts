import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { AppConfig } from '../../config/app-config.js';

/** `<database>.pid`: written while a server has the database open. */
export function serverPidPath(databasePath: string): string {
  return `${databasePath}.pid`;
}

/**
 * The pid of a live server using the database, or null. A pid file left by a crash names a
 * dead process and is ignored; one whose pid was reused is reported (the message says to
 * delete the file when no server runs).
 */
export async function runningServerPid(databasePath: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(serverPidPath(databasePath), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/**
 * Marks the SQLite database as in use by this server from boot to shutdown, so `npm run
 * restore` refuses to swap the file under a running server. On PostgreSQL there is no file:
 * a restore asks the server which sessions of this service are connected instead.
 */
@Injectable()
export class ServerPidFile implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Backups');
  private readonly databasePath: string | null;

  constructor(config: AppConfig) {
    this.databasePath = config.database.driver === 'sqlite' ? config.database.path : null;
  }

  async onModuleInit(): Promise<void> {
    if (this.databasePath === null) return;
    const other = await runningServerPid(this.databasePath);
    if (other !== null && other !== process.pid) this.logger.warn(`Another server (pid ${other}) also uses this database`);
    await writeFile(serverPidPath(this.databasePath), `${process.pid}\n`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.databasePath === null) return;
    const path = serverPidPath(this.databasePath);
    const owner = await readFile(path, 'utf8').catch(() => '');
    if (owner.trim() === String(process.pid)) await unlink(path).catch(() => undefined);
  }
}
