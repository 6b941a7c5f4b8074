import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { eventually } from '../support/eventually.js';
import { describeIf } from '../support/describe-if.js';
import { TEST_DATABASE_URL } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { type ReplicaSet, startReplicaSet } from '../support/replica-set.js';
import { TEST_S3_ENDPOINT } from '../support/s3.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const json = { 'content-type': 'application/json' };

/** Every file under a folder, by path relative to it. */
const filesUnder = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));

/**
 * Two real service processes on one PostgreSQL, one Redis and one bucket, each with a folder of
 * its own: nothing on disk is shared, as on hosts without a shared volume.
 */
describeIf(
  Boolean(TEST_DATABASE_URL && TEST_REDIS_URL && TEST_S3_ENDPOINT),
  'two replicas sharing a bucket and no folder',
  'skipped: set TEST_DATABASE_URL, TEST_REDIS_URL and TEST_S3_ENDPOINT to run',
  () => {
    let set: ReplicaSet;
    let slowLink: TcpProxy;
    beforeAll(async () => {
      // The bucket 100 ms away, as a remote store is: a write to it is a window a kill can land in.
      slowLink = await startTcpProxy(Number(new URL(TEST_S3_ENDPOINT!).port), { delayMs: 100 });
      set = await startReplicaSet({ RATE_LIMIT_ENABLED: 'false', JOBS_ENABLED: 'false', S3_ENDPOINT: `http://127.0.0.1:${slowLink.port}` }, { storage: 's3' });
    }, 60_000);
    afterAll(async () => {
      await set?.stop();
      await slowLink?.close();
    });

    const imageRows = async () => {
      const client = new pg.Client({ connectionString: set.database.url });
      await client.connect();
      try {
        return (await client.query<{ id: string }>('SELECT id FROM images')).rows.map((row) => row.id);
      } finally {
        await client.end();
      }
    };

    it('serves an image stored by one replica from the other, keeps no image on either disk, and stops serving it once deleted', async () => {
      const [a, b] = set.replicas;
      set.gemini.setDefault({ kind: 'image' });
      const created = (await (await fetch(`${a.url}/api/v2/images/generate`, { method: 'POST', headers: json, body: JSON.stringify({ prompt: 'a bridge of rope over a chasm' }) })).json()) as { id: string; contentHash: string };
      const fromA = await fetch(`${a.url}/api/v2/images/${created.id}/full`);
      const fromB = await fetch(`${b.url}/api/v2/images/${created.id}/full`);
      expect([fromA.status, fromB.status]).toEqual([200, 200]);
      expect(Buffer.from(await fromB.arrayBuffer()).equals(Buffer.from(await fromA.arrayBuffer()))).toBe(true);
      expect(await set.bucket!.keys()).toEqual([`images/full/${created.id}.webp`, `images/thumbnails/${created.id}.webp`]);
      expect((await filesUnder(set.dir)).filter((path) => path.endsWith('.webp'))).toEqual([]);

      expect((await fetch(`${a.url}/api/v2/images/${created.id}`, { method: 'DELETE' })).status).toBe(204);
      await eventually(async () => expect((await fetch(`${b.url}/api/v2/images/${created.id}/full`)).status).toBe(404), 2000);
    });

    it('leaves no image row without both of its objects when a replica is killed with kill -9 in the middle of its writes', async () => {
      const [victim] = set.replicas;
      set.gemini.setDefault({ kind: 'image', delayMs: 20 });
      const before = (await imageRows()).length;
      const posts = Array.from({ length: 40 }, (_, n) =>
        fetch(`${victim.url}/api/v2/images/generate`, { method: 'POST', headers: { ...json, prefer: 'respond-async' }, body: JSON.stringify({ prompt: `a crowded harbour, ship ${n}` }) }),
      );
      await Promise.all(posts);
      // Some pictures stored, more being processed and written: now.
      await eventually(async () => expect((await imageRows()).length).toBeGreaterThanOrEqual(before + 5), 20_000);
      victim.kill();

      const rows = await imageRows();
      const keys = new Set(await set.bucket!.keys());
      const incomplete = rows.filter((id) => !keys.has(`images/full/${id}.webp`) || !keys.has(`images/thumbnails/${id}.webp`));
      expect(incomplete).toEqual([]);
      expect(rows.length).toBeLessThan(before + 40); // it was cut off mid-way, not after the last write
    });
  },
);
