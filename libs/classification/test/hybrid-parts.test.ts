import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  classificationSettings,
  combine,
  defaultExamplesPath,
  defaultTaxonomyPath,
  exampleStore,
  ExamplesError,
  heldOutSample,
  LLM_WEIGHT_FACTORS,
  LanguageDetector,
  loadExamples,
  loadTaxonomy,
  scoringPrefix,
  scoringPrompt,
  SoftmaxHead,
  tuneLlmWeight,
  unit,
  vaderDistribution,
} from '../src/index.ts';

const taxonomy = loadTaxonomy(defaultTaxonomyPath());
const file = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'parley-examples-')), name);
  writeFileSync(path, text);
  return path;
};

describe('example store', () => {
  it('reads JSONL and YAML, and names the file and line of every bad example', () => {
    const good = file(
      'a.jsonl',
      '{"text":"where is it","intent":"order_status"}\n\n{"text":"great","sentiment":"positive"}\n',
    );
    expect(loadExamples(good)).toEqual([
      { text: 'where is it', intent: 'order_status' },
      { text: 'great', sentiment: 'positive' },
    ]);
    const bad = file(
      'b.jsonl',
      '{"text":"ok","intent":"x"}\n{"text":"no label"}\nnot json\n{"text":"x","sentiment":"angry"}\n',
    );
    const error = (() => {
      try {
        loadExamples(bad);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ExamplesError);
    expect(error?.message).toContain(bad);
    expect(error?.message).toMatch(/line 2: .*intent, a sentiment or both/);
    expect(error?.message).toMatch(/line 3: not JSON/);
    expect(error?.message).toMatch(/line 4: /);
    expect(loadExamples(file('c.yaml', 'examples:\n  - { text: hi, intent: greeting }\n'))).toEqual([
      { text: 'hi', intent: 'greeting' },
    ]);
  });

  it('joins the taxonomy, its shipped examples and team files, and refuses an intent the taxonomy lacks', () => {
    const store = exampleStore(taxonomy, [defaultExamplesPath()]);
    expect(store.length).toBeGreaterThan(60);
    const intents = new Set(taxonomy.intents.map((i) => i.name));
    for (const e of store) if (e.intent) expect(intents).toContain(e.intent);
    for (const intent of intents) expect(store.some((e) => e.intent === intent)).toBe(true);
    const wrong = file('d.jsonl', '{"text":"hello","intent":"smalltalk"}\n');
    expect(() => exampleStore(taxonomy, [wrong])).toThrow(/intent "smalltalk" .* not in taxonomy customer-default/);
  });
});

describe('learned example votes (softmax head)', () => {
  it('learns separable labels and gives each a probability', () => {
    const vectors: Float32Array[] = [];
    const labels: string[] = [];
    for (let i = 0; i < 60; i++) {
      const c = i % 3;
      vectors.push(unit([c === 0 ? 1 : 0.1 * (i % 5), c === 1 ? 1 : 0.05 * (i % 7), c === 2 ? 1 : 0.02 * (i % 3)]));
      labels.push(['a', 'b', 'c'][c] ?? 'a');
    }
    const head = SoftmaxHead.train(vectors, labels, { epochs: 40 });
    for (const [vector, label] of [
      [unit([1, 0, 0]), 'a'],
      [unit([0, 1, 0]), 'b'],
      [unit([0, 0, 1]), 'c'],
    ] as const) {
      const p = head.predict(vector);
      expect([...p.values()].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      expect(Math.max(...p.values())).toBe(p.get(label));
    }
  });
});

describe('combining the parts', () => {
  it('multiplies weighted opinions, lets agreement win, and ignores a switched-off part', () => {
    const labels = ['x', 'y'];
    const decision = combine(
      labels,
      {
        llm: new Map([
          ['x', 0.6],
          ['y', 0.4],
        ]),
        examples: new Map([
          ['x', 0.7],
          ['y', 0.3],
        ]),
        lexicon: new Map([
          ['x', 0.1],
          ['y', 0.9],
        ]),
      },
      { llm: 1, examples: 1, lexicon: 0 },
    );
    expect(decision.label).toBe('x');
    expect(decision.parts).toEqual(['llm', 'examples']);
    expect(decision.confidence).toBeCloseTo((0.6 * 0.7) / (0.6 * 0.7 + 0.4 * 0.3), 6);
    // A label a part did not score gets that part's smallest probability, not zero.
    const partial = combine(
      ['x', 'y', 'z'],
      {
        llm: new Map([
          ['x', 0.8],
          ['y', 0.2],
        ]),
      },
      { llm: 1, examples: 1, lexicon: 1 },
    );
    expect(partial.distribution.get('z')).toBeCloseTo(partial.distribution.get('y') ?? -1, 6);
  });

  it('reads VADER as a distribution that leans neutral without lexicon words', () => {
    expect(Math.max(...vaderDistribution(0).values())).toBe(vaderDistribution(0).get('neutral'));
    expect(vaderDistribution(0.8).get('positive')).toBeGreaterThan(0.9);
    expect(vaderDistribution(-0.8).get('negative')).toBeGreaterThan(0.9);
  });
});

describe('language and prompts', () => {
  it('detects the expected languages, and says und for a word or two', () => {
    const detector = new LanguageDetector(['en', 'es', 'pt', 'de']);
    expect(detector.detect('I was charged twice for my order')).toBe('en');
    expect(detector.detect('Quiero cancelar mi suscripción, por favor')).toBe('es');
    expect(detector.detect('Meu pedido ainda não chegou, já faz uma semana')).toBe('pt');
    expect(detector.detect('Das Paket ist leider beschädigt angekommen')).toBe('de');
    expect(detector.detect('ok')).toBe('und');
    expect(() => new LanguageDetector(['en', 'xx'])).toThrow(/unknown language code "xx"/);
  });

  it('keeps the prefix the same for every message, and the intent prompt extends the sentiment one', () => {
    const prefix = scoringPrefix(taxonomy, [
      { text: 'Where is\nmy order?', intent: 'order_status', sentiment: 'neutral' },
      { text: 'great', sentiment: 'positive' },
    ]);
    expect(prefix).toContain('Message: Where is my order?\nSentiment: neutral\nIntent: order_status');
    const input = { text: 'Cancel it please', context: [] };
    const sentiment = scoringPrompt(prefix, input, 'sentiment', {});
    const intent = scoringPrompt(prefix, input, 'intent', { sentiment: 'neutral' });
    expect(sentiment.startsWith(prefix)).toBe(true);
    expect(sentiment.endsWith('Message: Cancel it please\nSentiment:')).toBe(true);
    expect(intent).toBe(`${sentiment} neutral\nIntent:`);
  });

  it('rejects a wrong part or weight naming the setting', () => {
    const schema = z.object(classificationSettings);
    expect(schema.parse({ PARLEY_CLASSIFIER_WEIGHTS: 'lexicon=0.2' }).PARLEY_CLASSIFIER_WEIGHTS).toEqual({
      llm: 1,
      examples: 1,
      lexicon: 0.2,
    });
    const wrong = schema.safeParse({ PARLEY_CLASSIFIER_WEIGHTS: 'vibes=2', PARLEY_CLASSIFIER_PARTS: 'llm,magic' });
    expect(wrong.success).toBe(false);
    const paths = wrong.error?.issues.map((i) => i.path[0]);
    expect(paths).toContain('PARLEY_CLASSIFIER_WEIGHTS');
    expect(paths).toContain('PARLEY_CLASSIFIER_PARTS');
  });
});

describe('LLM weight tuning on held-out examples', () => {
  const labels = ['negative', 'neutral', 'positive'];
  const sure = (label: string, p: number) => new Map(labels.map((l) => [l, l === label ? p : (1 - p) / 2]));

  it('turns the LLM off where it does not help, up where it is right, and prefers the cheaper weight on a tie', () => {
    // The examples part is right on negative and neutral; the LLM on negative and positive. Below a weight
    // of about 0.7 the examples part decides, above it the LLM: two thirds either way, a tie.
    const heldOut = ['negative', 'neutral', 'positive'].flatMap((gold) =>
      Array.from({ length: 10 }, () => ({
        gold,
        opinions: {
          examples: sure(gold === 'positive' ? 'neutral' : gold, 0.6),
          llm: sure(gold === 'positive' ? 'positive' : 'negative', 0.7),
        },
      })),
    );
    const tuned = tuneLlmWeight(labels, heldOut, { llm: 1, examples: 1, lexicon: 0 });
    expect(
      Object.keys(tuned.scores)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...LLM_WEIGHT_FACTORS]);
    expect(Object.values(tuned.scores)).toEqual(Array<number>(5).fill(0.667));
    expect(tuned).toMatchObject({ llm: 0, heldOut: 30 });

    const useless = heldOut.map(({ gold }) => ({
      gold,
      opinions: { examples: sure(gold, 0.6), llm: sure('negative', 0.9) },
    }));
    expect(tuneLlmWeight(labels, useless, { llm: 1, examples: 1, lexicon: 0 }).llm).toBe(0);

    const oracle = heldOut.map(({ gold }) => ({
      gold,
      opinions: { examples: sure('neutral', 0.8), llm: sure(gold, 0.9) },
    }));
    expect(tuneLlmWeight(labels, oracle, { llm: 1, examples: 1, lexicon: 0 }).llm).toBeGreaterThanOrEqual(1);
  });

  it('holds out a label-stratified, deterministic sample that leaves most of each label for training', () => {
    const targets = [...Array<string>(50).fill('a'), ...Array<string>(200).fill('b'), ...Array<string>(4).fill('c')];
    const held = heldOutSample(targets, 50);
    expect(heldOutSample(targets, 50)).toEqual(held);
    const count = (label: string) => held.filter((i) => targets[i] === label).length;
    expect(count('a')).toBe(9);
    expect(count('b')).toBe(39);
    // A fifth at most: four examples of c keep all of theirs.
    expect(count('c')).toBe(0);
    expect(new Set(held).size).toBe(held.length);
    expect(heldOutSample(targets, 10_000).length).toBeLessThanOrEqual(Math.ceil(targets.length / 5));
  });
});
