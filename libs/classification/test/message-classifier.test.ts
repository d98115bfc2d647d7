import { ClassificationV1, type MatrixEventV1 } from '@parley/contracts';
import { sampleMatrixEvent } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import {
  BaselineBackend,
  defaultTaxonomyPath,
  HybridBackend,
  LanguageDetector,
  loadTaxonomy,
  MessageClassifier,
} from '../src/index.ts';

const ROOM = '!room:parley.test';
const event = (partial: Partial<MatrixEventV1>) => sampleMatrixEvent({ roomId: ROOM, ...partial });

function classifier() {
  return new MessageClassifier({
    backend: new BaselineBackend(loadTaxonomy(defaultTaxonomyPath())),
    contextTurns: 4,
    contextTokens: 200,
    maxRooms: 10,
    cacheSize: 100,
    source: 'parley/classifier',
  });
}

const values = (records: { value: unknown }[]) => records.map((r) => ClassificationV1.parse(r.value));

describe('MessageClassifier', () => {
  it('carries the hybrid’s abstention and parts into a schema-valid label', async () => {
    const taxonomy = loadTaxonomy(defaultTaxonomyPath());
    // The lexicon alone (no Ollama): a message that shares no word with the taxonomy is unsure.
    const backend = new HybridBackend({
      taxonomy,
      examples: [],
      lexicon: true,
      weights: { llm: 1, examples: 1, lexicon: 1 },
      demonstrations: 0,
      llmGate: 0.6,
      tuneWith: 0,
      candidates: 12,
      abstainBelow: 0.3,
      englishOnlyParts: ['*'],
      languages: new LanguageDetector(['en']),
    });
    const c = new MessageClassifier({
      backend,
      contextTurns: 0,
      contextTokens: 0,
      maxRooms: 10,
      cacheSize: 10,
      source: 'parley/classifier',
    });
    const [label] = values(await c.handle(event({ message: { msgtype: 'm.text', text: 'hmm, about that' } })));
    expect(label).toMatchObject({ kind: 'label', intent: { label: 'other' }, needsReview: true });
    expect(label?.kind === 'label' && label.lineage).toMatchObject({ backend: 'baseline', parts: ['lexicon'] });
    const [sure] = values(
      await c.handle(event({ message: { msgtype: 'm.text', text: 'Please cancel my subscription, cancel it' } })),
    );
    expect(sure).toMatchObject({ intent: { label: 'cancellation' }, needsReview: false });
  });

  it('labels a message, with CloudEvents headers, keyed by room', async () => {
    const c = classifier();
    const message = event({ message: { msgtype: 'm.text', text: 'This is terrible, I want a refund' } });
    const records = await c.handle(message);
    expect(records).toHaveLength(1);
    expect(records[0]?.key).toBe(ROOM);
    expect(records[0]?.headers).toMatchObject({
      ce_id: `${message.eventId}/${message.eventId}`,
      ce_type: 'io.parley.classification.label.v1',
      ce_subject: ROOM,
    });
    expect(values(records)[0]).toMatchObject({
      kind: 'label',
      intent: { label: 'refund' },
      sentiment: { label: 'negative' },
      message: { eventId: message.eventId, text: 'This is terrible, I want a refund' },
    });
  });

  it('re-labels the original message when it is edited, and retracts it when redacted', async () => {
    const c = classifier();
    const original = event({ message: { msgtype: 'm.text', text: 'Thank you, great service' } });
    await c.handle(original);
    const edit = event({
      kind: 'edit',
      relation: { type: 'replace', eventId: original.eventId },
      message: { msgtype: 'm.text', text: 'This is terrible, I want a refund' },
    });
    const [relabel] = values(await c.handle(edit));
    expect(relabel).toMatchObject({
      kind: 'label',
      sourceEventId: edit.eventId,
      message: { eventId: original.eventId, sentAt: original.time },
      intent: { label: 'refund' },
    });
    const redaction = event({ type: 'm.room.redaction', kind: 'redaction', redacts: original.eventId });
    const [retraction] = values(await c.handle(redaction));
    expect(retraction).toMatchObject({
      kind: 'retraction',
      id: `${original.eventId}/${redaction.eventId}`,
      message: { eventId: original.eventId },
    });
  });

  it('labels media without a caption as neutral "other" without asking the backend; ignores reactions and state', async () => {
    const c = classifier();
    const [image] = values(await c.handle(event({ message: { msgtype: 'm.image', fileName: 'IMG.jpg' } })));
    expect(image).toMatchObject({
      kind: 'label',
      intent: { label: 'other', confidence: 0 },
      sentiment: { label: 'neutral', score: 0 },
      message: { msgtype: 'm.image', text: '' },
    });
    expect(await c.handle(event({ kind: 'reaction', type: 'm.reaction' }))).toEqual([]);
    expect(await c.handle(event({ kind: 'state', type: 'm.room.topic', stateKey: '' }))).toEqual([]);
    expect(c.stats.cacheMisses).toBe(0);
  });

  it('serves a repeated text from the cache', async () => {
    const c = classifier();
    const other = '!elsewhere:parley.test';
    await c.handle(event({ roomId: other, message: { msgtype: 'm.text', text: 'Where is my order?' } }));
    await c.handle(
      event({ roomId: '!third:parley.test', message: { msgtype: 'm.text', text: 'where is  my ORDER?' } }),
    );
    expect(c.stats).toEqual({ cacheHits: 1, cacheMisses: 1 });
  });
});
