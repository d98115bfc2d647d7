import { z } from 'zod';
import { ClassificationV1 } from './classification.ts';
import { DeadLetterV1 } from './dead-letter.ts';
import { AuditV1 } from './audit.ts';
import { ConversationV1 } from './conversation.ts';
import { EphemeralV1 } from './ephemeral.ts';
import { IdentityDecisionV1 } from './identity-decision.ts';
import { MatrixEventV1 } from './matrix-event.ts';
import { RoomStateV1 } from './room-state.ts';

export interface PublishedSchema {
  /** File name under libs/contracts/schemas/. */
  file: string;
  /** URI used as `$id` and as the CloudEvents `dataschema` attribute. */
  id: string;
  schema: z.ZodType;
}

export const PUBLISHED_SCHEMAS: readonly PublishedSchema[] = [
  { file: 'matrix-event.v1.json', id: 'urn:parley:schema:matrix-event:v1', schema: MatrixEventV1 },
  { file: 'classification.v1.json', id: 'urn:parley:schema:classification:v1', schema: ClassificationV1 },
  { file: 'dead-letter.v1.json', id: 'urn:parley:schema:dead-letter:v1', schema: DeadLetterV1 },
  { file: 'room-state.v1.json', id: 'urn:parley:schema:room-state:v1', schema: RoomStateV1 },
  { file: 'ephemeral.v1.json', id: 'urn:parley:schema:ephemeral:v1', schema: EphemeralV1 },
  { file: 'audit.v1.json', id: 'urn:parley:schema:audit:v1', schema: AuditV1 },
  { file: 'conversation.v1.json', id: 'urn:parley:schema:conversation:v1', schema: ConversationV1 },
  {
    file: 'identity-decision.v1.json',
    id: 'urn:parley:schema:identity-decision:v1',
    schema: IdentityDecisionV1,
  },
];

export const DATASCHEMA = {
  matrixEvent: 'urn:parley:schema:matrix-event:v1',
  classification: 'urn:parley:schema:classification:v1',
  deadLetter: 'urn:parley:schema:dead-letter:v1',
  roomState: 'urn:parley:schema:room-state:v1',
  ephemeral: 'urn:parley:schema:ephemeral:v1',
  audit: 'urn:parley:schema:audit:v1',
  conversation: 'urn:parley:schema:conversation:v1',
  identityDecision: 'urn:parley:schema:identity-decision:v1',
} as const;

/** The JSON Schema (draft 2020-12) of a published schema, as committed in the repository. */
export function renderJsonSchema(entry: PublishedSchema): string {
  const generated = z.toJSONSchema(entry.schema, { target: 'draft-2020-12', io: 'output' });
  const document = { $id: entry.id, ...generated };
  return JSON.stringify(document, null, 2) + '\n';
}
