import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SENTIMENTS } from '@parley/contracts';

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
