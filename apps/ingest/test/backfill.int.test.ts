import { fileURLToPath } from 'node:url';
import { MatrixEventV1, TOPICS } from '@parley/contracts';
import { runServiceToExit, startKafka, uniqueName, type TestKafka } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPortal, startIngestHarness, type IngestHarness } from './harness.ts';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('backfill (real Synapse, real Kafka)', () => {
  let kafka: TestKafka;
  let h: IngestHarness;

  beforeAll(async () => {
    kafka = await startKafka();
    h = await startIngestHarness(kafka);
  });

  afterAll(async () => {
    await h.ingest.stop('SIGTERM');
  });

  it('produces exactly the 1,000 messages of a room in order, and a second run adds none', async () => {
    const { roomId, ghost } = await newPortal(h);
    const sent: string[] = [];
    for (let i = 0; i < 1000; i++)
      sent.push(await h.bridge.send(ghost, roomId, { msgtype: 'm.text', body: `history ${i}` }));

    const backfill = () =>
      runServiceToExit(entry, h.env, 180_000, [
        'backfill',
        '--rooms',
        roomId,
        '--as-user',
        ghost,
        '--page-size',
        '300',
      ]);
    const first = await backfill();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/backfilled \d+ events from 1 rooms/);

    // A marker sent after the second run bounds how far the topic has to be read.
    const second = await backfill();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('backfilled 0 events from 1 rooms');
    const marker = await h.bridge.send(ghost, roomId, { msgtype: 'm.text', body: uniqueName('marker') });

    const records = await kafka.collect(
      TOPICS.matrixEvents,
      (all) => all.some((r) => (r.value as MatrixEventV1).eventId === marker),
      120_000,
    );
    const backfilled = records
      .filter((r) => r.key === roomId)
      .map((r) => MatrixEventV1.parse(r.value))
      .filter((e) => e.origin.via === 'backfill' && e.type === 'm.room.message');
    expect(backfilled.map((e) => e.eventId)).toEqual(sent);
    expect(backfilled[0]).toMatchObject({
      channel: { protocol: 'whatsapp', roomType: 'dm' },
      sender: { side: 'customer' },
    });
  }, 600_000);
});
