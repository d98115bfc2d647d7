// Benchmark: the classifier end to end through Kafka against raw Ollama calls at the same concurrency,
// in the same run; then the cached path (repeated texts) for throughput and memory.
//   node --conditions=@parley/source tools/bench/classifier.ts [--messages 40] [--cached 100000]
// Targets (issue #4): classifier >= 90% of raw Ollama's messages/s; cached path >= 2,000 messages/s;
// memory flat over 100k messages.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildMessages, defaultTaxonomyPath, loadTaxonomy, replyJsonSchema } from '@parley/classification';
import { matrixEventCeType, toKafkaHeaders, type MatrixEventV1 } from '@parley/contracts';
import { DEFAULT_TEST_MODEL, freePort, sampleMatrixEvent, startKafka, startOllama, uniqueName } from '@parley/testing';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '40' },
    cached: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '2' },
  },
});
const MESSAGES = Number(values.messages);
const CACHED = Number(values.cached);
const CONCURRENCY = Number(values.concurrency);

const PHRASES = [
  'Where is my order',
  'I want a refund for',
  'Can I book a visit on',
  'Thanks for the help with',
  'Cancel my plan for',
  'How much is',
];
const text = (i: number) => `${PHRASES[i % PHRASES.length] ?? ''} item ${i}`;

function event(i: number, body: string): MatrixEventV1 {
  return sampleMatrixEvent({ roomId: `!room${i % 12}:bench.test`, message: { msgtype: 'm.text', text: body } });
}

async function main(): Promise<void> {
  const kafka = await startKafka('bench');
  const ollama = await startOllama();
  const taxonomy = loadTaxonomy(defaultTaxonomyPath());
  const client = ollama.client();

  // Raw Ollama: the same prompts and format, CONCURRENCY requests at a time.
  const format = replyJsonSchema(taxonomy);
  let rawSeconds = 0;
  const tokens = { prompt: 0, promptNs: 0, generated: 0, generateNs: 0 };
  const runRaw = async (from: number, to: number) => {
    let next = from;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < to; i = next++) {
          const reply = await client.chat({
            model: DEFAULT_TEST_MODEL,
            messages: buildMessages({ taxonomy, context: [], text: text(i) }),
            format,
            stream: false,
            options: { temperature: 0, seed: 42, num_predict: 96, num_ctx: 2048 },
          });
          // Ollama's own counts and durations (ns): the model's speed, apart from everything around it.
          if (i >= 0) {
            tokens.prompt += reply.prompt_eval_count;
            tokens.promptNs += reply.prompt_eval_duration;
            tokens.generated += reply.eval_count;
            tokens.generateNs += reply.eval_duration;
          }
        }
      }),
    );
    rawSeconds += (performance.now() - start) / 1000;
  };
  // Warm-up: the model loaded (and its prompt prefix cached) before any clock starts.
  await runRaw(-CONCURRENCY, 0);
  rawSeconds = 0;

  // The classifier, as a process, between two topics of its own.
  const input = await kafka.createTopic('bench-events', 6);
  const output = await kafka.createTopic('bench-classifications', 6);
  const dlq = await kafka.createTopic('bench-dlq', 1);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--conditions=@parley/source', fileURLToPath(new URL('../../apps/classifier/src/main.ts', import.meta.url))],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        PARLEY_HTTP_PORT: String(port),
        PARLEY_LOG_LEVEL: 'warn',
        PARLEY_KAFKA_BROKERS: kafka.brokers.join(','),
        PARLEY_KAFKA_GROUP_ID: uniqueName('bench'),
        PARLEY_KAFKA_CREATE_TOPICS: 'false',
        PARLEY_INPUT_TOPIC: input,
        PARLEY_OUTPUT_TOPIC: output,
        PARLEY_DLQ_TOPIC: dlq,
        PARLEY_OLLAMA_URL: ollama.url,
        PARLEY_OLLAMA_MODEL: DEFAULT_TEST_MODEL,
        // The raw baseline above sends the llm backend's chat requests: the ratio measures the service's
        // overhead over the same work (the hybrid's speed and quality are measured by tools/eval).
        PARLEY_CLASSIFIER_BACKEND: 'llm',
        PARLEY_CLASSIFIER_CONCURRENCY: String(CONCURRENCY),
        PARLEY_CONTEXT_TURNS: '0',
        PARLEY_CACHE_SIZE: '1000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  process.on('exit', () => child.kill('SIGKILL'));
  const producer = kafka.client().producer();
  await producer.connect();
  const produce = async (events: MatrixEventV1[]) => {
    for (let i = 0; i < events.length; i += 500) {
      await producer.send({
        topic: input,
        messages: events.slice(i, i + 500).map((e) => ({
          key: e.roomId,
          value: JSON.stringify(e),
          headers: toKafkaHeaders({
            id: e.eventId,
            source: 'bench',
            type: matrixEventCeType(e.kind),
            specversion: '1.0',
          }),
        })),
      });
    }
  };
  const consumer = kafka.client().consumer({ groupId: uniqueName('bench-out') });
  await consumer.connect();
  await consumer.subscribe({ topic: output, fromBeginning: true });
  let received = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  await consumer.run({
    eachBatch: async ({ batch }) => {
      received += batch.messages.length;
      for (const w of waiters.filter((x) => received >= x.count)) w.resolve();
    },
  });
  const until = (count: number) =>
    new Promise<void>((resolve) => {
      if (received >= count) resolve();
      else waiters.push({ count, resolve });
    });

  // Warm-up: the model is loaded and the consumer group settled before the clock starts.
  await produce([event(-1, 'hello')]);
  await until(1);
  let e2eSeconds = 0;
  let expected = 1;
  const runE2e = async (from: number, to: number) => {
    const start = performance.now();
    // Texts the raw rounds did not use, so neither side meets a text twice.
    await produce(Array.from({ length: to - from }, (_, i) => event(from + i, text(MESSAGES + from + i))));
    expected += to - from;
    await until(expected);
    e2eSeconds += (performance.now() - start) / 1000;
  };
  // Alternating rounds: drift on a shared machine falls on both sides.
  const ROUNDS = 2;
  for (let round = 0; round < ROUNDS; round++) {
    const from = Math.floor((round * MESSAGES) / ROUNDS);
    const to = Math.floor(((round + 1) * MESSAGES) / ROUNDS);
    await runRaw(from, to);
    await runE2e(from, to);
  }
  const rawRate = MESSAGES / rawSeconds;
  const e2eRate = MESSAGES / e2eSeconds;

  // Cached path: six texts seen before, repeated; then memory over CACHED more messages.
  const rss = () => Number(readFileSync(`/proc/${child.pid}/statm`, 'utf8').split(' ')[1]) * 4096;
  const cachedBatch = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => event(offset + i, text(i % PHRASES.length)));
  await produce(cachedBatch(PHRASES.length, 1_000_000));
  await until(1 + MESSAGES + PHRASES.length);
  let base = 1 + MESSAGES + PHRASES.length;
  const warm = Math.min(10_000, CACHED);
  await produce(cachedBatch(warm, 2_000_000));
  await until(base + warm);
  base += warm;
  // Heap in use (after V8 collected what it could) tells a leak from a raised high-water mark.
  const heapUsed = async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(/^parley_nodejs_heap_size_used_bytes\{[^}]*\} (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  };
  // Resident memory at four checkpoints: flat means no trend after the first, not an equal first and last.
  const checkpoints: { rss: number; heap: number }[] = [{ rss: rss(), heap: await heapUsed() }];
  const cachedStart = performance.now();
  const QUARTERS = 4;
  for (let q = 0; q < QUARTERS; q++) {
    const n = Math.floor(CACHED / QUARTERS);
    await produce(cachedBatch(n, 3_000_000 + q * n));
    base += n;
    await until(base);
    checkpoints.push({ rss: rss(), heap: await heapUsed() });
  }
  const cachedRate = (Math.floor(CACHED / QUARTERS) * QUARTERS) / ((performance.now() - cachedStart) / 1000);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const rssBefore = checkpoints[1]?.rss ?? Number.NaN;
  const rssAfter = checkpoints.at(-1)?.rss ?? Number.NaN;
  child.kill('SIGTERM');
  await consumer.disconnect();
  await producer.disconnect();

  const rows: [string, string][] = [
    [`raw Ollama messages/s (concurrency ${CONCURRENCY}, ${DEFAULT_TEST_MODEL})`, rawRate.toFixed(2)],
    ['model prompt tokens/s (Ollama prompt_eval)', (tokens.prompt / (tokens.promptNs / 1e9)).toFixed(0)],
    ['model generation tokens/s (Ollama eval)', (tokens.generated / (tokens.generateNs / 1e9)).toFixed(1)],
    ['classifier end to end messages/s', e2eRate.toFixed(2)],
    ['ratio classifier/raw (target >= 0.90)', (e2eRate / rawRate).toFixed(3)],
    ['cached path messages/s (target >= 2000)', cachedRate.toFixed(0)],
    [`classifier RSS at 0, ¼, ½, ¾, all of ${CACHED} messages (MiB)`, checkpoints.map((c) => mib(c.rss)).join(' → ')],
    ['heap used at the same points (MiB)', checkpoints.map((c) => mib(c.heap)).join(' → ')],
    ['RSS growth from ¼ to all (target: flat, < 10%)', `${(((rssAfter - rssBefore) / rssBefore) * 100).toFixed(1)}%`],
  ];
  console.log(`\nclassifier benchmark: ${MESSAGES} distinct messages, ${CACHED} cached`);
  for (const [name, value] of rows) console.log(`  ${name.padEnd(60)} ${value}`);
  process.exit(0);
}

await main();
