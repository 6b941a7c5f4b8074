import { createConnection, createServer, type Socket } from 'node:net';
import type { Clock } from '../../src/common/clock.js';

/** A TCP proxy on loopback that, like nginx or a load balancer, closes a connection idle too long. */
export interface IdleClosingProxy {
  port: number;
  /** Bytes that came from the target, for a test to wait until something passed. */
  readonly bytesFromTarget: number;
  close(): Promise<void>;
}

/**
 * Forwards to 127.0.0.1:`targetPort` and drops both sides of a connection once nothing has
 * passed either way for `idleMs` on `clock` (the app's own, so a test moves both at once).
 */
export async function startIdleClosingProxy(targetPort: number, idleMs: number, clock: Clock): Promise<IdleClosingProxy> {
  const open = new Set<() => void>();
  let bytesFromTarget = 0;
  const server = createServer((client) => {
    const target = createConnection(targetPort, '127.0.0.1');
    const stopWatching = new AbortController();
    let lastActive = clock.now().getTime();
    const active = () => (lastActive = clock.now().getTime());
    const drop = () => {
      stopWatching.abort();
      client.destroy();
      target.destroy();
      open.delete(drop);
    };
    open.add(drop);
    client.on('data', active);
    target.on('data', (chunk: Buffer) => {
      bytesFromTarget += chunk.length;
      active();
    });
    client.pipe(target);
    target.pipe(client);
    for (const socket of [client, target] as Socket[]) socket.on('close', drop).on('error', drop);
    void watchIdle();

    async function watchIdle(): Promise<void> {
      try {
        for (;;) {
          const idleFor = clock.now().getTime() - lastActive;
          if (idleFor >= idleMs) return drop();
          await clock.sleep(idleMs - idleFor, stopWatching.signal);
        }
      } catch {
        // aborted: the connection closed
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get bytesFromTarget() {
      return bytesFromTarget;
    },
    close: () => {
      for (const drop of [...open]) drop();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
