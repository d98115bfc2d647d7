// Runs a classifier backend over a labelled dataset and reports macro-recall, accuracy, macro-F1, the
// confusion matrix, messages/s and tokens per message; writes the whole report as JSON.
//   node --conditions=@parley/source tools/eval/run.ts --dataset tweeteval --backend baseline
//   node --conditions=@parley/source tools/eval/run.ts --dataset banking77 --backend llm --sample 100 --examples 5
// Datasets come from ../shared/datasets (or PARLEY_DATASETS); the default is a fixed stratified sample,
// --full runs the whole test set. The LLM backend uses Ollama at OLLAMA_URL (default: the dev stack's).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  BaselineBackend,
  defaultTaxonomyPath,
  LlmBackend,
  loadTaxonomy,
  type ClassifierBackend,
  type Taxonomy,
} from '@parley/classification';
import { loadDataset, stratifiedSample, type Dataset } from './datasets.ts';
import { score } from './metrics.ts';
import { ExampleIndex } from './retrieval.ts';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'tweeteval' },
    backend: { type: 'string', default: 'baseline' },
    model: { type: 'string', default: 'smollm2-135m-instruct' },
    sample: { type: 'string', default: '300' },
    full: { type: 'boolean', default: false },
    examples: { type: 'string', default: '0' },
    context: { type: 'boolean', default: false },
    /** With --examples: offer the LLM only the first 4 distinct intents among the 20 nearest examples. */
    candidates: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '2' },
    out: { type: 'string' },
  },
});

function taxonomyFor(dataset: Dataset): Taxonomy {
  if (dataset.name === 'banking77')
    return loadTaxonomy(new URL('../../libs/classification/taxonomies/banking77.yaml', import.meta.url).pathname);
  return loadTaxonomy(defaultTaxonomyPath());
}

async function main(): Promise<void> {
  if (values.backend === 'nearest' && !(Number(values.examples) > 0))
    throw new Error('--backend nearest needs --examples K (the neighbours that vote)');
  if (values.dataset !== 'tweeteval' && values.dataset !== 'banking77')
    throw new Error('--dataset is tweeteval or banking77');
  const dataset = loadDataset(values.dataset);
  const taxonomy = taxonomyFor(dataset);
  const items = values.full ? dataset.test : stratifiedSample(dataset.test, Number(values.sample));
  const llm =
    values.backend === 'llm'
      ? new LlmBackend({
          host: process.env['OLLAMA_URL'] ?? 'http://127.0.0.1:11434',
          model: values.model,
          taxonomy,
          numCtx: 4096,
        })
      : undefined;
  const backend: ClassifierBackend = llm ?? new BaselineBackend(taxonomy);
  const k = Number(values.examples);
  const index = k > 0 && dataset.task === 'intent' ? new ExampleIndex(dataset.train) : undefined;
  // A synthetic agent greeting as context, to measure what a conversation turn does to the labels.
  const context = values.context ? [{ role: 'agent' as const, text: 'Hello! How can I help you today?' }] : [];

  const predicted: string[] = new Array<string>(items.length);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i];
      if (!item) continue;
      try {
        const examples = index?.nearest(item.text, k).map((e) => ({ text: e.text, intent: e.label }));
        if (values.backend === 'nearest') {
          // Retrieval alone, no model: the most frequent label among the k nearest training examples.
          predicted[i] = mostFrequent((examples ?? []).map((e) => e.intent).reverse()) ?? '(none)';
          continue;
        }
        const result = await backend.classify({
          text: item.text,
          context,
          ...(examples && { examples }),
          ...(index && values.candidates && { candidateIntents: candidatesFor(index, item.text) }),
        });
        predicted[i] = dataset.task === 'sentiment' ? result.sentiment.label : result.intent.label;
      } catch (error) {
        failures += 1;
        predicted[i] = '(failed)';
        if (failures <= 3) console.error(`item ${i}: ${(error as Error).message}`);
      }
      if ((i + 1) % 50 === 0) process.stderr.write(`  ${i + 1}/${items.length}\n`);
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
  const seconds = (performance.now() - started) / 1000;

  const scores = score(
    dataset.labels,
    items.map((e) => e.label),
    predicted,
  );
  const lineage = await backend.lineage();
  const report = {
    dataset: dataset.name,
    task: dataset.task,
    backend: values.backend === 'nearest' ? { backend: 'nearest', model: 'tf-idf' } : lineage,
    items: items.length,
    sample: values.full ? 'full test set' : `stratified sample of ${items.length} (seed 7)`,
    fewShotExamples: index ? k : 0,
    candidatesFromRetrieval: values.candidates,
    context: values.context,
    failures,
    messagesPerSecond: items.length / seconds,
    tokensPerMessage: llm ? (llm.usage.promptTokens + llm.usage.outputTokens) / Math.max(1, llm.usage.calls) : 0,
    ...scores,
  };
  const pct = (x: number) => (x * 100).toFixed(1);
  console.log(
    `${dataset.name} (${dataset.task}), ${report.sample}, ` +
      (values.backend === 'nearest' ? 'retrieval only' : `backend ${lineage.backend} ${lineage.model}`) +
      (values.backend === 'nearest' ? `, ${k}-nearest vote (no model)` : index ? `, ${k}-shot retrieval` : '') +
      (values.candidates ? ', candidates from retrieval' : '') +
      (values.context ? ', with context' : ''),
  );
  console.log(
    `  macro-recall ${pct(scores.macroRecall)}  accuracy ${pct(scores.accuracy)}  macro-F1 ${pct(scores.macroF1)}  failures ${failures}`,
  );
  console.log(
    `  ${report.messagesPerSecond.toFixed(2)} messages/s, ${report.tokensPerMessage.toFixed(0)} tokens/message`,
  );
  if (dataset.labels.length <= 12) {
    console.log(`  confusion (rows gold, columns predicted): ${dataset.labels.join(' ')}`);
    for (const gold of dataset.labels)
      console.log(
        `    ${gold.padEnd(10)} ${dataset.labels.map((p) => String(scores.confusion[gold]?.[p] ?? 0).padStart(5)).join(' ')}`,
      );
  }
  if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
}

/** The first few distinct labels among the nearest training examples, nearest first: a real choice. */
function candidatesFor(index: ExampleIndex, text: string): string[] {
  const labels = index
    .nearest(text, 20)
    .reverse()
    .map((e) => e.label);
  return [...new Set(labels)].slice(0, 4);
}

function mostFrequent(labels: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  // Ties go to the label seen first: callers pass the nearest example first.
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

await main();
