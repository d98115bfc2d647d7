import { ClassificationV1, DeadLetterV1, eventRecord, TOPICS } from '@parley/contracts';
import { sampleMatrixEvent } from '@parley/testing';
import { ConfigError } from '@parley/service-runtime';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ClassificationStage, defaultClassificationSettings } from '../src/index.ts';

const settings = (overrides: Record<string, string> = {}) => ({
  ...defaultClassificationSettings({ PARLEY_CLASSIFIER_BACKEND: 'baseline', ...overrides }),
  PARLEY_INPUT_TOPIC: TOPICS.matrixEvents,
  PARLEY_OUTPUT_TOPIC: TOPICS.classifications,
  PARLEY_DLQ_TOPIC: TOPICS.classificationsDlq,
  PARLEY_CONTEXT_TURNS: 2,
  PARLEY_CONTEXT_TOKENS: 100,
  PARLEY_CACHE_SIZE: 10,
  PARLEY_ROOM_MEMORY: 10,
});

function stage(overrides: Record<string, string> = {}) {
  const reports: string[] = [];
  const outcomes: string[] = [];
  const created = new ClassificationStage({
    settings: settings(overrides),
    service: 'classifier',
    readiness: {
      expect: (name, detail) => reports.push(`${name}: ${detail}`),
      report: (name, ready, detail) => reports.push(`${name} ${ready ? 'ready' : 'not ready'}: ${detail}`),
    },
    logger: pino({ level: 'silent' }),
    metrics: { onCall: () => undefined, outcome: (o) => outcomes.push(o), watchCache: () => undefined },
    stopping: () => false,
  });
  return { stage: created, reports, outcomes };
}

/** A record as ingest produced it, as a consumer receives it (Buffers). */
function consumed(record: { value: unknown; headers: Record<string, string> }, offset = '7') {
  return {
    value: Buffer.from(JSON.stringify(record.value)),
    headers: Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)])),
    offset,
  };
}

const beat = async () => undefined;

describe('ClassificationStage (baseline backend, no Kafka)', () => {
  const message = eventRecord(
    sampleMatrixEvent({ message: { msgtype: 'm.text', text: 'Please cancel my subscription' } }),
  );

  it('labels a normalised event produced by ingest', async () => {
    const { stage: s, outcomes } = stage();
    const [label] = await s.handle(consumed(message), 0, beat);
    expect(label?.topic).toBe(TOPICS.classifications);
    expect(ClassificationV1.parse(label?.value)).toMatchObject({ kind: 'label', intent: { label: 'cancellation' } });
    expect(outcomes).toEqual(['classified']);
  });

  it('dead-letters input that is not an event, and a record whose CloudEvents type says it is something else', async () => {
    const { stage: s, outcomes } = stage();
    const [junk] = await s.handle({ value: Buffer.from('{"hello":1'), offset: '3' }, 1, beat);
    expect(junk?.topic).toBe(TOPICS.classificationsDlq);
    expect(DeadLetterV1.parse(junk?.value)).toMatchObject({
      reason: 'invalid_input',
      error: expect.stringMatching(/^not a normalised Matrix event \(matrix-event\.v1\): not JSON: /) as unknown,
      source: { topic: TOPICS.matrixEvents, partition: 1, offset: '3' },
      raw: '{"hello":1',
    });
    const misrouted = consumed({ ...message, headers: { ...message.headers, ce_type: 'io.parley.deadletter.v1' } });
    const [named] = await s.handle(misrouted, 0, beat);
    expect(DeadLetterV1.parse(named?.value).error).toBe(
      'not a normalised Matrix event (matrix-event.v1): CloudEvents type is io.parley.deadletter.v1, its value is a io.parley.matrix.message.v1',
    );
    expect(outcomes).toEqual(['dead_letter', 'dead_letter']);
  });

  it('is not ready until the backend is prepared, then says which', async () => {
    const { stage: s, reports } = stage();
    expect(reports).toEqual(['backend: baseline backend not checked yet']);
    await s.prepare();
    expect(reports.at(-1)).toMatch(/^backend ready: baseline .* available$/);
  });

  it('names the setting of a taxonomy file that cannot be used', () => {
    expect(() => stage({ PARLEY_TAXONOMY_FILE: '/nonexistent/taxonomy.yaml' })).toThrow(ConfigError);
    expect(() => stage({ PARLEY_TAXONOMY_FILE: '/nonexistent/taxonomy.yaml' })).toThrow(/PARLEY_TAXONOMY_FILE/);
  });
});
