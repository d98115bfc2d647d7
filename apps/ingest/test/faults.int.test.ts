import { startKafka, stopComponent, uniqueName, waitFor, type TestKafka } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPortal, startIngestHarness, type IngestHarness } from './harness.ts';

// A broker of its own: this file stops and restarts Kafka.
const KAFKA_INSTANCE = 'test-faults';

describe('ingest loses nothing when Kafka or ingest itself fails (real Synapse, real Kafka)', () => {
  let kafka: TestKafka;
  let h: IngestHarness;

  beforeAll(async () => {
    kafka = await startKafka(KAFKA_INSTANCE);
    h = await startIngestHarness(kafka, {
      PARLEY_PUBLISH_TIMEOUT_MS: '3000',
      PARLEY_AS_CATCH_UP_DELAY_MS: '5000',
      PARLEY_AS_CATCH_UP_SETTLE_MS: '2000',
    });
  });

  afterAll(async () => {
    await h.ingest.stop('SIGTERM');
    await stopComponent('kafka', KAFKA_INSTANCE);
  });

  const sendMessages = async (ghost: string, roomId: string, label: string, count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++)
      ids.push(await h.bridge.send(ghost, roomId, { msgtype: 'm.text', body: `${label} ${i}` }));
    return ids;
  };

  it('Kafka stopped during traffic: once it is back, Synapse redelivers and every event arrives, in order', async () => {
    const { roomId, ghost } = await newPortal(h);
    const before = await sendMessages(ghost, roomId, 'before', 10);
    await h.eventsOfRoom(roomId, before);

    await stopComponent('kafka', KAFKA_INSTANCE);
    const during = await sendMessages(ghost, roomId, 'during', 15);
    // Synapse tries while the broker is away: ingest fails the transaction and says so in /readyz.
    await waitFor(
      'ingest to find Kafka gone',
      async () => {
        const report = (await (await fetch(`${h.ingest.url}/readyz`)).json()) as {
          dependencies: Record<string, { ready: boolean }>;
        };
        return report.dependencies['kafka']?.ready === false ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    await startKafka(KAFKA_INSTANCE);
    const after = await sendMessages(ghost, roomId, 'after', 5);

    const expected = [...before, ...during, ...after];
    const seen = (await h.eventsOfRoom(roomId, expected, 180_000)).filter((id) => expected.includes(id));
    // At-least-once: a produce abandoned on timeout while the broker was away may still be written when
    // it returns, next to Synapse's retry. Only events of the outage may repeat; none may be missing.
    const firstSeen = seen.filter((id, index) => seen.indexOf(id) === index);
    expect(firstSeen).toEqual(expected);
    const repeated = seen.filter((id, index) => seen.indexOf(id) !== index);
    expect(repeated.every((id) => during.includes(id) || after.includes(id))).toBe(true);
  }, 300_000);

  it('ingest killed with SIGKILL mid-stream and restarted: nothing is lost and order holds', async () => {
    const { roomId, ghost } = await newPortal(h);
    const sending = sendMessages(ghost, roomId, uniqueName('burst'), 40);
    await new Promise((r) => setTimeout(r, 300));
    await h.ingest.stop('SIGKILL');
    const sent = await sending;
    await h.startIngest();

    const seen = await h.eventsOfRoom(roomId, sent, 180_000);
    // At-least-once: a transaction Kafka acknowledged just before the kill can be delivered again.
    const firstSeen = seen.filter((id, index) => seen.indexOf(id) === index && sent.includes(id));
    expect(firstSeen).toEqual(sent);
    // Only the transaction in flight at the kill comes again: its events, each once more, one run of them.
    const repeated = seen.filter((id, index) => seen.indexOf(id) !== index);
    expect(repeated.every((id) => seen.filter((s) => s === id).length === 2)).toBe(true);
    const positions = repeated.map((id) => sent.indexOf(id)).sort((a, b) => a - b);
    expect(positions).toEqual(positions.map((_, i) => (positions[0] ?? 0) + i));
  }, 300_000);

  it('transactions the homeserver lost while ingest was down are recovered from room history, once each and in order', async () => {
    const { roomId, ghost } = await newPortal(h);
    const before = await sendMessages(ghost, roomId, 'before loss', 5);
    await h.eventsOfRoom(roomId, before);

    await h.ingest.stop('SIGKILL');
    const lost = await sendMessages(ghost, roomId, 'lost', 5);
    // Synapse stored a transaction for them and failed to send it; it now forgets it, as in its race
    // between finishing a recovery and marking the appservice up.
    await new Promise((r) => setTimeout(r, 2000));
    await waitFor(
      'Synapse to queue the transactions',
      () => h.synapse.dropPendingTransactions(h.registration.id) || undefined,
      {
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
    await h.startIngest();
    // A portal set up now, while ingest checks every transaction's predecessors: its set-up before the
    // ghost joined never was the appservice's to receive, and must not be taken for a loss.
    const fresh = await newPortal(h);
    const hello = await sendMessages(fresh.ghost, fresh.roomId, 'new portal', 1);
    const after = await sendMessages(ghost, roomId, 'after loss', 3);

    const expected = [...before, ...lost, ...after];
    const records = (await h.eventRecordsOfRoom(roomId, expected, 120_000)).filter((r) => expected.includes(r.eventId));
    // Each once, in the room's order: the first transaction after the gap brought the lost ones ahead of it.
    expect(records.map((r) => r.eventId)).toEqual(expected);
    expect(records.filter((r) => lost.includes(r.eventId)).map((r) => r.origin.via)).toEqual(
      lost.map(() => 'backfill'),
    );
    const isReport = (l: Record<string, unknown>) =>
      l['msg'] === 'produced events the homeserver skipped, ahead of the transaction that followed them';
    await waitFor('the report of the skipped events', () => h.ingest.logs.find(isReport), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    // One report, of exactly the lost ones.
    expect(h.ingest.logs.filter(isReport).map((l) => l['recovered'])).toEqual([lost.length]);
    const freshRecords = await h.eventRecordsOfRoom(fresh.roomId, hello);
    expect(freshRecords.filter((r) => r.origin.via !== 'appservice').map((r) => r.kind)).toEqual([]);
    // The catch-up pass that follows finds nothing left: not these events, and not the set-up of the
    // portals created in its window, which the homeserver never was to send (no ghost had joined yet).
    const pass = await waitFor(
      'the catch-up pass',
      () => h.ingest.logs.find((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('catch-up ')),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(pass).toMatchObject({ msg: 'catch-up found nothing missing', recovered: 0 });
    const afterPass = (await h.eventRecordsOfRoom(roomId, expected, 10_000)).filter((r) =>
      expected.includes(r.eventId),
    );
    expect(afterPass.map((r) => r.eventId)).toEqual(expected);
  }, 300_000);
});
