import { describe, expect, it } from 'vitest';
import {
  classificationCeType,
  classificationRecord,
  ClassificationV1,
  decodeRecord,
  EnvelopeError,
  fromKafkaHeaders,
  matrixEventCeType,
  MatrixEventV1,
  toKafkaHeaders,
} from '../src/index.ts';
import { label } from './samples.ts';

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

describe('decodeRecord: a consumed record against its contract and its CloudEvents headers', () => {
  const asConsumed = (record: { value: unknown; headers: Record<string, string> }) => ({
    value: Buffer.from(JSON.stringify(record.value)),
    headers: Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)])),
  });
  const labelRecord = classificationRecord(label, 'parley/classifier');

  it('accepts a record as Parley produces it', () => {
    expect(decodeRecord(asConsumed(labelRecord), ClassificationV1, classificationCeType)).toEqual({
      success: true,
      data: label,
    });
  });

  it('accepts plain JSON without CloudEvents headers, judged by its value', () => {
    expect(decodeRecord({ value: JSON.stringify(label) }, ClassificationV1, classificationCeType).success).toBe(true);
  });

  it('names a record whose CloudEvents type is not what its value is', () => {
    const misrouted = asConsumed({
      ...labelRecord,
      headers: { ...labelRecord.headers, ce_type: 'io.parley.deadletter.v1' },
    });
    expect(decodeRecord(misrouted, ClassificationV1, classificationCeType)).toEqual({
      success: false,
      error: 'CloudEvents type is io.parley.deadletter.v1, its value is a io.parley.classification.label.v1',
    });
  });

  it('names CloudEvents headers that are incomplete', () => {
    const broken = asConsumed({ value: label, headers: { ce_id: 'x', ce_specversion: '1.0' } });
    const decoded = decodeRecord(broken, ClassificationV1, classificationCeType);
    expect(decoded.success).toBe(false);
    expect(decoded.success ? '' : decoded.error).toMatch(/^invalid CloudEvents headers: .*source/);
  });

  it('says why a value is not the contract, before looking at headers', () => {
    expect(decodeRecord({ value: '{"kind":"label"}' }, ClassificationV1, classificationCeType)).toMatchObject({
      success: false,
    });
    expect(decodeRecord({ value: 'nope' }, ClassificationV1, classificationCeType)).toEqual({
      success: false,
      error: expect.stringMatching(/^not JSON: /) as unknown,
    });
    expect(decodeRecord({ value: null }, MatrixEventV1, (e) => matrixEventCeType(e.kind))).toEqual({
      success: false,
      error: 'no value',
    });
  });
});
