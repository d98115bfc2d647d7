import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  BaselineBackend,
  boundContext,
  buildMessages,
  cacheKey,
  defaultTaxonomyPath,
  InvalidReplyError,
  keywordsOf,
  loadTaxonomy,
  parseReply,
  replyJsonSchema,
  replyValidator,
  TaxonomyError,
} from '../src/index.ts';

const taxonomy = loadTaxonomy(defaultTaxonomyPath());
const banking = loadTaxonomy(new URL('../taxonomies/banking77.yaml', import.meta.url).pathname);

describe('taxonomies', () => {
  it('ships a default customer taxonomy and the 77-intent BANKING77 one', () => {
    expect(taxonomy.intents.map((i) => i.name)).toEqual(
      expect.arrayContaining(['purchase_inquiry', 'order_status', 'complaint', 'cancellation', 'refund', 'other']),
    );
    expect(banking.intents).toHaveLength(77);
  });

  it('rejects a taxonomy with duplicate or badly named intents, naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'taxonomy-'));
    const file = join(dir, 't.yaml');
    writeFileSync(
      file,
      'name: t\nversion: 1\nintents:\n  - {name: a, description: x}\n  - {name: a, description: y}\n',
    );
    expect(() => loadTaxonomy(file)).toThrow(/unique/);
    writeFileSync(
      file,
      'name: t\nversion: 1\nintents:\n  - {name: Bad Name, description: x}\n  - {name: b, description: y}\n',
    );
    expect(() => loadTaxonomy(file)).toThrow(TaxonomyError);
  });
});

describe('the reply contract', () => {
  const validator = replyValidator(taxonomy);
  const good = {
    intent: 'refund',
    sentiment: 'negative',
    intensity: 'strong',
    confidence: 'high',
    language: 'en',
  };

  it('gives Ollama a JSON Schema whose enums are exactly the taxonomy labels, and that agrees with the validator', () => {
    const schema = replyJsonSchema(taxonomy);
    const intentEnum = (schema['properties'] as Record<string, { enum?: string[] }>)['intent']?.enum;
    expect(intentEnum).toEqual(taxonomy.intents.map((i) => i.name));
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(schema);
    expect(validate(good)).toBe(true);
    expect(validator.safeParse(good).success).toBe(true);
    const wrong = { ...good, intent: 'teleport' };
    expect(validate(wrong)).toBe(false);
    expect(validator.safeParse(wrong).success).toBe(false);
  });

  it('accepts a schema-valid reply and rejects others with the raw text kept', () => {
    expect(parseReply(JSON.stringify(good) + '\n  \t', validator)).toEqual(good);
    for (const raw of ['{"intent": "refund"', JSON.stringify({ ...good, confidence: 0.99 })]) {
      try {
        parseReply(raw, validator);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidReplyError);
        expect((error as InvalidReplyError).raw).toBe(raw);
      }
    }
  });
});

describe('prompts', () => {
  it('starts every message of a taxonomy with the same static system prompt, so the prefix cache serves it', () => {
    const a = buildMessages({ taxonomy, context: [], text: 'where is my order?' });
    const b = buildMessages({ taxonomy, context: [{ role: 'agent', text: 'Hello!' }], text: 'I want a refund' });
    expect(a[0]).toEqual(b[0]);
    expect(a[0]?.content).toContain('- order_status: ');
    expect(b.at(-1)?.content).toContain('agent: Hello!');
    expect(b.at(-1)?.content).toContain('Last message (customer): I want a refund');
  });

  it('keeps the newest context turns that fit the token budget, oldest first', () => {
    const turns = Array.from({ length: 10 }, (_, i) => ({
      role: 'customer' as const,
      text: `turn ${i} ${'x'.repeat(30)}`,
    }));
    // 30 tokens are about 120 characters; a turn costs its 37 characters and 10 for its framing.
    const kept = boundContext(turns, 30);
    expect(kept).toEqual(turns.slice(-2));
    expect(boundContext(turns, 1000)).toEqual(turns);
    expect(boundContext(turns, 5)).toEqual([]);
  });
});

describe('cache keys', () => {
  const base = {
    text: 'Where is  my Order?',
    taxonomy: 't',
    taxonomyVersion: '1',
    modelDigest: 'd',
    promptVersion: 'p1',
  };
  it('ignore case and spacing but change with the taxonomy, model, prompt or context', () => {
    expect(cacheKey(base)).toBe(cacheKey({ ...base, text: 'where is my order?' }));
    for (const change of [
      { taxonomyVersion: '2' },
      { modelDigest: 'e' },
      { promptVersion: 'p2' },
      { context: 'agent: hi' },
      { text: 'where is my refund?' },
    ]) {
      expect(cacheKey({ ...base, ...change })).not.toBe(cacheKey(base));
    }
  });
});

describe('baseline backend', () => {
  const backend = new BaselineBackend(taxonomy);
  it('labels sentiment with the lexicon and intent by keywords, with lineage', async () => {
    const angry = await backend.classify({
      text: 'This is terrible, I want my money back and a refund now!',
      context: [],
    });
    expect(angry.sentiment.label).toBe('negative');
    expect(angry.sentiment.score).toBeLessThan(0);
    expect(angry.intent.label).toBe('refund');
    const happy = await backend.classify({ text: 'Thank you, great service, I love it', context: [] });
    expect(happy.sentiment.label).toBe('positive');
    expect(happy.intent.label).toBe('feedback');
    const nothing = await backend.classify({ text: 'zzz', context: [] });
    expect(nothing.intent).toEqual({ label: 'other', confidence: 0 });
    expect(angry.lineage).toMatchObject({ backend: 'baseline', taxonomy: 'customer-default', promptVersion: 'none' });
  });
});

describe('keywords', () => {
  it('are the longest content words in order of appearance, without function words of common languages', () => {
    expect(keywordsOf('I want a refund for the broken washing machine, please', 4)).toEqual([
      'refund',
      'broken',
      'washing',
      'machine',
    ]);
    expect(keywordsOf('Olá, o meu pedido ainda não chegou', 3)).toEqual(['pedido', 'ainda', 'chegou']);
  });
});
