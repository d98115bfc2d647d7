import { readinessOf, sampleLabel, startKafka, tcpProxy, waitFor } from '@parley/testing';
import { startContractServer } from '@parley/twenty-contract-server';
import { describe, expect, it } from 'vitest';
import { produce, sinkEnv, sinkTopics, startSink } from './harness.ts';

const KEY = 'late-twenty-key';

describe('crm-sink started before Twenty (the contract server behind a port that opens later)', () => {
  it('says why in /readyz, holds the labels, and writes them once Twenty answers', async () => {
    const kafka = await startKafka();
    const twenty = await startContractServer({ apiKey: KEY, rateLimits: null });
    const late = await tcpProxy({ host: '127.0.0.1', port: Number(new URL(twenty.url).port) });
    const topics = await sinkTopics(kafka);
    const sink = await startSink(
      sinkEnv(kafka, topics, {
        PARLEY_TWENTY_URL: `http://127.0.0.1:${String(late.port)}`,
        PARLEY_TWENTY_API_KEY: KEY,
      }),
    );
    try {
      const waiting = await waitFor('/readyz to say Twenty is not there', async () => {
        const { status, body } = await readinessOf(sink);
        const crm = body.dependencies['crm'];
        return crm && !crm.ready && crm.detail.includes('not answering') ? { status, detail: crm.detail } : undefined;
      });
      expect(waiting.status).toBe(503);
      expect(waiting.detail).toMatch(/^twenty not answering \(network on GET \/.+\); retrying$/);

      const label = sampleLabel({
        roomId: '!late-twenty:parley.test',
        eventId: '$late-twenty-1',
        from: { phone: '+4915100000077' },
      });
      await produce(kafka, topics.input, [label]);
      await late.open();
      const written = await waitFor(
        'the chat message in Twenty',
        () => {
          const found = twenty.records('chatMessage').find((m) => m['externalId'] === '$late-twenty-1');
          return found;
        },
        { timeoutMs: 120_000 },
      );
      expect(written).toMatchObject({ direction: 'INBOUND' });
      expect(twenty.records('person')).toHaveLength(1);
      const ready = await waitFor('/readyz ready', async () => {
        const { status, body } = await readinessOf(sink);
        return status === 200 ? body.dependencies['crm']?.detail : undefined;
      });
      expect(ready).toMatch(/^twenty /);
    } finally {
      expect(await sink.stop('SIGTERM'), sink.stderr()).toBe(0);
      await late.close();
      await twenty.close();
    }
  }, 240_000);
});
