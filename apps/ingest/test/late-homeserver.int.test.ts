import { fileURLToPath } from 'node:url';
import { TOPICS, type MatrixEventV1 } from '@parley/contracts';
import {
  readinessOf,
  serviceTestEnv,
  spawnService,
  startIngestHomeserver,
  startKafka,
  tcpProxy,
  waitFor,
} from '@parley/testing';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('ingest started before its homeserver (real Synapse behind a port that opens later)', () => {
  it('keeps pinging with backoff, says why in /readyz, and ingests once the homeserver answers', async () => {
    const kafka = await startKafka();
    const { synapse, bridge, ingestEnv } = await startIngestHomeserver(entry);
    const homeserver = await tcpProxy({ host: '127.0.0.1', port: Number(new URL(synapse.url).port) });
    const ingest = await spawnService({
      entry,
      env: {
        ...serviceTestEnv(kafka.brokers, 'info'),
        ...ingestEnv,
        PARLEY_HOMESERVER_URL: `http://127.0.0.1:${String(homeserver.port)}`,
      },
    });
    try {
      const waiting = await waitFor('/readyz to say the ping failed', async () => {
        const { status, body } = await readinessOf(ingest);
        const detail = body.dependencies['homeserver']?.detail ?? '';
        return detail.startsWith('ping failed') ? { status, detail } : undefined;
      });
      expect(waiting.status).toBe(503);
      expect(waiting.detail).toMatch(/^ping failed: POST \/_matrix\/client\/v1\/appservice\/.+\/ping failed: /);

      await homeserver.open();
      const answered = await waitFor(
        '/readyz to say the homeserver answered',
        async () => {
          const { status, body } = await readinessOf(ingest);
          return status === 200 ? body.dependencies['homeserver']?.detail : undefined;
        },
        { timeoutMs: 90_000 },
      );
      expect(answered).toMatch(/^(ping answered in \d+ ms|homeserver reached us)$/);

      const staff = await synapse.registerUser('agent');
      const phone = `49151${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
      const ghost = await bridge.registerGhost(phone, `Customer ${phone}`);
      const roomId = await bridge.createDmPortal(phone, staff.userId);
      const eventId = await bridge.send(ghost, roomId, { msgtype: 'm.text', body: 'Are you open on Sunday?' });
      const records = await kafka.collect(
        TOPICS.matrixEvents,
        (all) => all.some((r) => r.key === roomId && (r.value as MatrixEventV1).eventId === eventId),
        120_000,
      );
      expect(records.some((r) => r.key === roomId)).toBe(true);
    } finally {
      expect(await ingest.stop('SIGTERM'), ingest.stderr()).toBe(0);
      await homeserver.close();
    }
  }, 300_000);
});
