import type { AuditV1 } from './audit.ts';
import { toKafkaHeaders, type TopicRecord } from './envelope.ts';
import { DATASCHEMA } from './json-schemas.ts';
import { CE_TYPES } from './topics.ts';

/** The audit record of an erasure: keyed by its subject hash, CloudEvents headers like every record. */
export function auditRecord(value: AuditV1, topic: string): TopicRecord {
  return {
    topic,
    key: value.subjectSha256,
    value,
    headers: toKafkaHeaders({
      id: `${value.subjectSha256}/${value.at}`,
      source: value.by,
      type: CE_TYPES.audit,
      specversion: '1.0',
      time: value.at,
      dataschema: DATASCHEMA.audit,
    }),
  };
}
