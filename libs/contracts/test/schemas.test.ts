import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  ClassificationV1,
  MatrixEventV1,
  PUBLISHED_SCHEMAS,
  renderJsonSchema,
  type PublishedSchema,
} from '../src/index.ts';
import { label, textMessage } from './samples.ts';

const committed = (entry: PublishedSchema) =>
  readFileSync(new URL(`../schemas/${entry.file}`, import.meta.url), 'utf8');

function validatorFor(file: string) {
  const entry = PUBLISHED_SCHEMAS.find((e) => e.file === file);
  if (!entry) throw new Error(`no published schema ${file}`);
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(committed(entry)) as object);
}

describe('published JSON Schemas', () => {
  it.each(PUBLISHED_SCHEMAS.map((e) => [e.file, e] as const))(
    '%s is up to date with its zod source (run npm run schemas:write -w @parley/contracts)',
    (_file, entry) => {
      expect(committed(entry)).toBe(renderJsonSchema(entry));
    },
  );

  it('accepts what the zod schema accepts and rejects what it rejects (matrix event)', () => {
    const validate = validatorFor('matrix-event.v1.json');
    expect(MatrixEventV1.safeParse(textMessage).success).toBe(true);
    expect(validate(textMessage)).toBe(true);

    const wrong = { ...textMessage, kind: 'telepathy', eventId: 'no-sigil' };
    expect(MatrixEventV1.safeParse(wrong).success).toBe(false);
    expect(validate(wrong)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath).sort()).toEqual(['/eventId', '/kind']);
  });

  it('accepts labels and retractions and rejects an out-of-range sentiment score (classification)', () => {
    const validate = validatorFor('classification.v1.json');
    const retraction = {
      schemaVersion: 1,
      id: '$abc123/$redaction',
      kind: 'retraction',
      sourceEventId: '$redaction',
      message: label.message,
      classifiedAt: label.classifiedAt,
    };
    for (const value of [label, retraction]) {
      expect(ClassificationV1.safeParse(value).success).toBe(true);
      expect(validate(value)).toBe(true);
    }
    const wrong = { ...label, sentiment: { label: 'neutral', score: 3, confidence: 0.5 } };
    expect(ClassificationV1.safeParse(wrong).success).toBe(false);
    expect(validate(wrong)).toBe(false);
  });
});
