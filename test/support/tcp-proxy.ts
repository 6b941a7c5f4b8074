import { createConnection, createServer, type Socket } from 'node:net';
import type { Clock } from '../../src/common/clock.js';

/** A TCP proxy on loopback standing for the network between a client and a server. */
export interface TcpProxy {
  port: number;
  /** Bytes that came from the target, for a test to wait until something passed. */
  readonly bytesFromTarget: number;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Like nginx or a load balancer: drop a connection once nothing has passed either way for `ms` on `clock` (the app's own, so a test moves both at once). */
  closeIdle?: { ms: number; clock: Clock };
  /** Like a slow link to a remote store: hold what the client sends this long before passing it on. */
  delayMs?: number;
}

/** Forwards connections to 127.0.0.1:`targetPort`, as `options` say. */
export async function startTcpProxy(targetPort: number, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const open = new Set<() => void>();
  let bytesFromTarget = 0;
  const server = createServer((client) => {
    const target = createConnection(targetPort, '127.0.0.1');
    const drop = () => {
      stopWatching.abort();
      client.destroy();
      target.destroy();
      open.delete(drop);
    };
    open.add(drop);
    const stopWatching = new AbortController();
    const active = options.closeIdle ? watchIdle(options.closeIdle, stopWatching.signal, drop) : () => undefined;
    client.on('data', (chunk: Buffer) => {
      active();
      if (options.delayMs === undefined) target.write(chunk);
      else setTimeout(() => target.writable && target.write(chunk), options.delayMs);
    });
    target.on('data', (chunk: Buffer) => {
      bytesFromTarget += chunk.length;
      active();
    });
    target.pipe(client);
    for (const socket of [client, target] as Socket[]) socket.on('close', drop).on('error', drop);
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

/** Drops the connection once idle `ms`; answers the function that marks it active. */
function watchIdle({ ms, clock }: { ms: number; clock: Clock }, stop: AbortSignal, drop: () => void): () => void {
  let lastActive = clock.now().getTime();
  void (async () => {
    try {
      for (;;) {
        const idleFor = clock.now().getTime() - lastActive;
        if (idleFor >= ms) return drop();
        await clock.sleep(ms - idleFor, stop);
      }
    } catch {
      // aborted: the connection closed
    }
  })();
  return () => {
    lastActive = clock.now().getTime();
  };
}
