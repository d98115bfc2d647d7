import type { ClassificationV1 } from './classification.ts';
import { toKafkaHeaders, type TopicRecord } from './envelope.ts';
import { DATASCHEMA } from './json-schemas.ts';
import { CE_TYPES, TOPICS } from './topics.ts';

/** The CloudEvents type of a label or a retraction. */
export function classificationCeType(value: Pick<ClassificationV1, 'kind'>): string {
  return value.kind === 'label' ? CE_TYPES.classificationLabel : CE_TYPES.classificationRetraction;
}

/** A label or retraction as a Kafka record: keyed by room, so a room's labels stay in order. */
export function classificationRecord(
  value: ClassificationV1,
  producer: string,
  topic: string = TOPICS.classifications,
): TopicRecord {
  return {
    topic,
    key: value.message.roomId,
    value,
    headers: toKafkaHeaders({
      id: value.id,
      source: producer,
      type: classificationCeType(value),
      specversion: '1.0',
      time: value.classifiedAt,
      subject: value.message.roomId,
      dataschema: DATASCHEMA.classification,
    }),
  };
}
