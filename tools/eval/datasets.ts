import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultTaxonomyPath, loadTaxonomy, type LabelledExample, type Taxonomy } from '@parley/classification';
import { SENTIMENTS, type Sentiment } from '@parley/contracts';

/** One labelled text: `label` is a sentiment (TweetEval) or an intent (BANKING77). */
export interface Example {
  text: string;
  label: string;
}

export interface Dataset {
  name: 'tweeteval' | 'banking77';
  task: 'sentiment' | 'intent';
  labels: string[];
  test: Example[];
  /** Labelled examples to retrieve few-shot examples from (never the test set). */
  train: Example[];
}

/** ../shared/datasets next to the repository, or PARLEY_DATASETS. */
export function datasetsDirectory(): string {
  const dir = process.env['PARLEY_DATASETS'] ?? fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));
  if (!existsSync(dir)) throw new Error(`datasets not found at ${dir}; set PARLEY_DATASETS`);
  return dir.endsWith('/') ? dir : `${dir}/`;
}

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);

export function loadDataset(name: Dataset['name']): Dataset {
  const dir = datasetsDirectory();
  if (name === 'tweeteval') {
    const read = (split: string) => {
      const texts = lines(`${dir}tweeteval-sentiment/${split}_text.txt`);
      const labels = lines(`${dir}tweeteval-sentiment/${split}_labels.txt`).map(
        (l) => SENTIMENTS[Number(l)] ?? 'neutral',
      );
      return texts.map((text, i) => ({ text: text.trim(), label: labels[i] ?? 'neutral' }));
    };
    return { name, task: 'sentiment', labels: [...SENTIMENTS], test: read('test'), train: read('val') };
  }
  const readCsv = (split: string) =>
    lines(`${dir}banking77/${split}.csv`)
      .slice(1)
      .map((line) => {
        const comma = line.lastIndexOf(',');
        const text = line
          .slice(0, comma)
          .replace(/^"(.*)"$/s, '$1')
          .replace(/""/g, '"');
        return { text, label: line.slice(comma + 1).trim() };
      });
  const labels = JSON.parse(readFileSync(`${dir}banking77/categories.json`, 'utf8')) as string[];
  return { name, task: 'intent', labels, test: readCsv('test'), train: readCsv('train') };
}

/** A fixed stratified sample: the same examples every run, the classes as balanced as the data allows. */
export function stratifiedSample(examples: readonly Example[], size: number, seed = 7): Example[] {
  if (size >= examples.length) return [...examples];
  const byLabel = new Map<string, Example[]>();
  for (const e of examples) {
    const list = byLabel.get(e.label) ?? [];
    list.push(e);
    byLabel.set(e.label, list);
  }
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const shuffled = [...byLabel.values()].map((list) =>
    list
      .map((e) => ({ e, r: random() }))
      .sort((a, b) => a.r - b.r)
      .map((x) => x.e),
  );
  const sample: Example[] = [];
  for (let round = 0; sample.length < size; round++) {
    let added = false;
    for (const list of shuffled) {
      const e = list[round];
      if (e && sample.length < size) {
        sample.push(e);
        added = true;
      }
    }
    if (!added) break;
  }
  return sample;
}

const sentimentOf = (label: string): Sentiment =>
  (SENTIMENTS as readonly string[]).includes(label) ? (label as Sentiment) : 'neutral';

/** One message to classify, with what is known of it. */
export interface EvalItem {
  text: string;
  intent?: string;
  sentiment?: string;
  lang?: string;
  conversation?: string[];
}

/** What an evaluation runs on: the items, the label sets measured, and (for datasets) taxonomy and store. */
export interface EvalInput {
  name: string;
  selection: string;
  items: EvalItem[];
  labels: { intent?: string[]; sentiment?: string[] };
  taxonomy?: Taxonomy;
  examples?: LabelledExample[];
}

/**
 * A public dataset as the issue's targets define it: its labels as the taxonomy, its training (or
 * validation) split as the example store. With `holdout`, every fifth example of that split is kept
 * out of the store and measured instead of the test set.
 */
export function datasetInput(name: string, options: { full: boolean; holdout: boolean; sample?: number }): EvalInput {
  if (name !== 'tweeteval' && name !== 'banking77') throw new Error('--dataset is tweeteval or banking77');
  const dataset = loadDataset(name);
  const task = dataset.task;
  const split = options.holdout
    ? { store: dataset.train.filter((_, i) => i % 5 !== 0), measured: dataset.train.filter((_, i) => i % 5 === 0) }
    : { store: dataset.train, measured: dataset.test };
  const items =
    options.full || options.sample === undefined
      ? options.full
        ? split.measured
        : stratifiedSample(split.measured, 300)
      : stratifiedSample(split.measured, options.sample);
  const taxonomy =
    name === 'banking77'
      ? loadTaxonomy(new URL('../../libs/classification/taxonomies/banking77.yaml', import.meta.url).pathname)
      : loadTaxonomy(defaultTaxonomyPath());
  return {
    name: `${name} (${task})`,
    selection: `${options.holdout ? 'held-out fifth of the example split' : 'test set'}, ${
      items.length === split.measured.length ? 'all' : `stratified sample of ${items.length} (seed 7)`
    } ${items.length} items`,
    items: items.map((e) => ({ text: e.text, [task]: e.label, lang: 'en' })),
    labels: { [task]: dataset.labels },
    taxonomy,
    examples: split.store.map((e): LabelledExample =>
      task === 'intent' ? { text: e.text, intent: e.label } : { text: e.text, sentiment: sentimentOf(e.label) },
    ),
  };
}
