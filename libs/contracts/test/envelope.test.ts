import { describe, expect, it } from 'vitest';
import { EnvelopeError, fromKafkaHeaders, matrixEventCeType, toKafkaHeaders } from '../src/index.ts';

describe('CloudEvents binary-mode headers', () => {
  const attributes = {
    id: '$abc123',
    source: 'parley.test',
    type: matrixEventCeType('message'),
    specversion: '1.0' as const,
    time: '2025-11-24T16:00:00.000Z',
    subject: '!room:parley.test',
    dataschema: 'urn:parley:schema:matrix-event:v1',
  };

  it('writes ce_-prefixed headers and a JSON content type', () => {
    expect(toKafkaHeaders(attributes)).toEqual({
      'content-type': 'application/json',
      ce_id: '$abc123',
      ce_source: 'parley.test',
      ce_type: 'io.parley.matrix.message.v1',
      ce_specversion: '1.0',
      ce_time: '2025-11-24T16:00:00.000Z',
      ce_subject: '!room:parley.test',
      ce_dataschema: 'urn:parley:schema:matrix-event:v1',
    });
  });

  it('reads them back from the Buffers kafkajs hands a consumer', () => {
    const headers = Object.fromEntries(Object.entries(toKafkaHeaders(attributes)).map(([k, v]) => [k, Buffer.from(v)]));
    expect(fromKafkaHeaders({ ...headers, traceparent: Buffer.from('00-x') })).toEqual(attributes);
  });

  it('rejects headers that lack required attributes', () => {
    expect(() => fromKafkaHeaders({ ce_id: 'x', ce_specversion: '1.0' })).toThrow(EnvelopeError);
    expect(() => fromKafkaHeaders(undefined)).toThrow(/source/);
  });
});
