// Measures the classifier on labelled data: a public dataset or any labelled JSONL file. Without
// --backend or --set it runs the classifier's default configuration exactly as the service would.
//   node --conditions=@parley/source tools/eval/run.ts --file messages.jsonl
//   node --conditions=@parley/source tools/eval/run.ts --dataset tweeteval --full --out report.json
//   node --conditions=@parley/source tools/eval/run.ts --dataset banking77 --set PARLEY_CLASSIFIER_PARTS=examples
// A --file line: {"text": "...", "intent": "...", "sentiment": "negative|neutral|positive", "lang": "es",
// "conversation": ["earlier turn", ...], "role": "customer|agent"}; intent and/or sentiment.
// Datasets come from ../shared/datasets (or PARLEY_DATASETS); their training (BANKING77) or validation
// (TweetEval) split is the example store, and --holdout measures on a part of that split instead of the
// test set (for tuning: never tune on test). Ollama is PARLEY_OLLAMA_URL (default: the dev stack's).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  buildBackend,
  classificationSettings,
  loadExamples,
  type ClassifierBackend,
  type LabelledExample,
} from '@parley/classification';
import { loadConfig } from '@parley/service-runtime';
import { z } from 'zod';
import { datasetInput, type EvalInput } from './datasets.ts';
import { fileInput } from './file-input.ts';
import { Progress } from './progress.ts';
import { report, type TaskReport } from './report.ts';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    dataset: { type: 'string' },
    sample: { type: 'string' },
    full: { type: 'boolean', default: false },
    holdout: { type: 'boolean', default: false },
    backend: { type: 'string' },
    examples: { type: 'string', multiple: true, default: [] },
    set: { type: 'string', multiple: true, default: [] },
    concurrency: { type: 'string', default: '2' },
    out: { type: 'string' },
  },
});

/**
 * The service's settings, read by the service's own loader (environment and PARLEY_CONFIG_FILE), with
 * --backend and --set applied on top.
 */
function settings() {
  const overrides: Record<string, string> = {};
  if (values.backend) overrides['PARLEY_CLASSIFIER_BACKEND'] = values.backend;
  for (const pair of values.set) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--set wants KEY=VALUE, not "${pair}"`);
    overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return loadConfig(z.object(classificationSettings), { service: 'eval', env: { ...process.env, ...overrides } });
}

async function main(): Promise<void> {
  if (Boolean(values.file) === Boolean(values.dataset)) throw new Error('give --file F.jsonl or --dataset NAME');
  const config = settings();
  const input: EvalInput = values.file
    ? fileInput(values.file)
    : datasetInput(values.dataset ?? '', {
        full: values.full,
        holdout: values.holdout,
        ...(values.sample && { sample: Number(values.sample) }),
      });
  const extra: LabelledExample[] = values.examples.flatMap((f) => loadExamples(f));
  const backend: ClassifierBackend = buildBackend(config, {
    ...(input.taxonomy && { taxonomy: input.taxonomy }),
    ...(input.examples && { examples: [...input.examples, ...extra] }),
  });
  // The example store is embedded, learned and the LLM's weight tuned before the clock starts: the
  // service does it once, before it says it is ready.
  const preparing = performance.now();
  await backend.prepare?.();
  const startupSeconds = (performance.now() - preparing) / 1000;
  const lineage = await backend.lineage();
  const tuning = backend.tuning?.() ?? {};
  const progress = new Progress(input.items.length, process.stderr);

  const predicted = new Array<{ intent?: string; sentiment?: string; language: string }>(input.items.length);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < input.items.length; i = next++) {
      const item = input.items[i];
      if (!item) continue;
      try {
        const result = await backend.classify({
          text: item.text,
          context: (item.conversation ?? []).map((text, t, all) => ({
            role: (all.length - t) % 2 === 1 ? ('agent' as const) : ('customer' as const),
            text,
          })),
        });
        predicted[i] = { intent: result.intent.label, sentiment: result.sentiment.label, language: result.language };
      } catch (error) {
        failures += 1;
        predicted[i] = { language: 'und' };
        if (failures <= 3) process.stderr.write(`item ${i}: ${(error as Error).message}\n`);
      }
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
  progress.done();
  const seconds = (performance.now() - started) / 1000;

  const tasks: Partial<Record<'intent' | 'sentiment', TaskReport>> = {};
  for (const task of ['intent', 'sentiment'] as const) {
    const labels = input.labels[task];
    if (!labels) continue;
    tasks[task] = report(
      labels,
      input.items.map((item, i) => ({
        gold: item[task],
        predicted: predicted[i]?.[task] ?? '(failed)',
        lang: item.lang ?? predicted[i]?.language ?? 'und',
      })),
    );
  }
  const result = {
    source: input.name,
    items: input.items.length,
    selection: input.selection,
    lineage,
    failures,
    startupSeconds,
    tuning,
    messagesPerSecond: input.items.length / seconds,
    ...tasks,
  };
  const pct = (x: number) => (x * 100).toFixed(1);
  console.log(
    `${input.name}, ${input.selection}, backend ${lineage.backend} ${lineage.model} parts ${(lineage.parts ?? []).join('+') || '-'}`,
  );
  for (const [task, t] of Object.entries(tuning))
    console.log(
      `  LLM weight for ${task}: ${t.llm} (held-out macro-recall by weight ${JSON.stringify(t.scores)}, n=${t.heldOut})`,
    );
  for (const [task, r] of Object.entries(tasks)) {
    console.log(
      `  ${task}: macro-recall ${pct(r.macroRecall)}  accuracy ${pct(r.accuracy)}  macro-F1 ${pct(r.macroF1)}`,
    );
    for (const [lang, l] of Object.entries(r.perLanguage))
      console.log(
        `    ${lang.padEnd(4)} n=${String(l.items).padEnd(5)} accuracy ${pct(l.accuracy)}  macro-recall ${pct(l.macroRecall)}`,
      );
    if (Object.keys(r.perLabel).length <= 12)
      for (const [label, m] of Object.entries(r.perLabel))
        console.log(`    ${label.padEnd(18)} recall ${pct(m.recall)}  precision ${pct(m.precision)}  n=${m.support}`);
  }
  console.log(
    `  ${result.messagesPerSecond.toFixed(2)} messages/s, ${failures} failures, start-up ${startupSeconds.toFixed(0)} s`,
  );
  if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  if (failures > 0) process.exitCode = 1;
}

await main();
