import { readFile, unlink, writeFile } from 'node:fs/promises';

/**
 * `<database>.pid`: an SQLite database's mark of a running server, written from boot to
 * shutdown, so `npm run restore` refuses to swap the file under it. (PostgreSQL needs none: a
 * restore asks the server which sessions of this service are connected.)
 */
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

/** Marks the database as this process's; answers the pid of another live server that also has it, if any. */
export async function claimDatabase(databasePath: string): Promise<number | null> {
  const other = await runningServerPid(databasePath);
  await writeFile(serverPidPath(databasePath), `${process.pid}\n`);
  return other !== null && other !== process.pid ? other : null;
}

/** Removes the mark, if it is still this process's. */
export async function releaseDatabase(databasePath: string): Promise<void> {
  const path = serverPidPath(databasePath);
  const owner = await readFile(path, 'utf8').catch(() => '');
  if (owner.trim() === String(process.pid)) await unlink(path).catch(() => undefined);
}
