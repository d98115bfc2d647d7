// Benchmark: ingest's transaction endpoint against raw kafkajs producing the same records to the same
// broker, in the same run. Prints ratios (the machines are shared; absolute numbers drift).
//   node --conditions=@parley/source tools/bench/ingest.ts [--transactions N] [--memory-events N]
// Targets (issue #3): ingest >= 90% of raw events/s; p99 acknowledgement of a 100-event transaction
// <= 50 ms on loopback; resident memory grows < 10% over 1 million events.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { topicDefinitions, TOPICS, type TopicRecord } from '@parley/contracts';
import { reachCluster, readTopicRange } from '@parley/kafka';
import {
  ActivityCollector,
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  EventPipeline,
  RoomStateCache,
} from '@parley/matrix';
import { freePort, startKafka, uniqueName } from '@parley/testing';
import { Kafka, logLevel } from 'kafkajs';

const { values } = parseArgs({
  options: {
    transactions: { type: 'string', default: '2000' },
    'memory-events': { type: 'string', default: '1000000' },
    'events-per-transaction': { type: 'string', default: '100' },
    /** Writes a V8 CPU profile of the ingest process into this directory. */
    'profile-dir': { type: 'string' },
  },
});
const TRANSACTIONS = Number(values.transactions);
const PER_TXN = Number(values['events-per-transaction']);
const MEMORY_EVENTS = Number(values['memory-events']);
const ROOMS = 50;
const serverName = 'bench.parley.test';

function clientEvent(seq: number): Record<string, unknown> {
  return {
    event_id: `$${seq.toString(36)}-${randomBytes(6).toString('hex')}`,
    room_id: `!room${seq % ROOMS}:${serverName}`,
    sender: `@whatsapp_4915${String(seq % 1000).padStart(8, '0')}:${serverName}`,
    type: 'm.room.message',
    origin_server_ts: Date.now(),
    content: { msgtype: 'm.text', body: `benchmark message ${seq} with a realistic length of text in it` },
    unsigned: { age: 12 },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const kafka = await startKafka('bench');
  const client = new Kafka({ clientId: 'bench', brokers: kafka.brokers, logLevel: logLevel.ERROR });
  const rawTopic = uniqueName('bench-raw');
  await reachCluster(client, true, [...topicDefinitions(6), { name: rawTopic, partitions: 6, config: {} }]);

  // Baseline: the very records ingest produces (normalised, with CloudEvents headers), built before
  // the clock starts, straight through an idempotent producer in batches of one transaction.
  const pipeline = new EventPipeline({
    homeserver: serverName,
    identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
    rooms: new RoomStateCache({ maxRooms: 1000, maxMembersPerRoom: 10 }),
    canActAs: () => false,
  });
  let seq = 0;
  const batches: TopicRecord[][] = [];
  for (let t = 0; t < TRANSACTIONS; t++) {
    const events = Array.from({ length: PER_TXN }, () => clientEvent(seq++));
    const { records } = await pipeline.toRecords(events, {
      origin: { via: 'appservice', txnId: String(t) },
      stage: 'bench',
      batchId: String(t),
    });
    batches.push(records);
  }
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const rawLatencies: number[] = [];
  let rawSeconds = 0;
  const runRaw = async (from: number, to: number): Promise<void> => {
    const start = performance.now();
    for (const records of batches.slice(from, to)) {
      const started = performance.now();
      // Serialising is part of producing: kafkajs takes strings or buffers.
      const messages = records.map((r) => ({ key: r.key, value: JSON.stringify(r.value), headers: r.headers }));
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic: rawTopic, messages }] });
      rawLatencies.push(performance.now() - started);
    }
    rawSeconds += (performance.now() - start) / 1000;
  };

  // ingest, as a process, with the homeserver unreachable (no ping; room state reads fail fast).
  const port = await freePort();
  const hsToken = randomBytes(24).toString('hex');
  const child = spawn(
    process.execPath,
    [
      '--conditions=@parley/source',
      ...(values['profile-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${values['profile-dir']}`] : []),
      fileURLToPath(new URL('../../apps/ingest/src/main.ts', import.meta.url)),
    ],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        PARLEY_HTTP_PORT: String(port),
        PARLEY_LOG_LEVEL: 'warn',
        PARLEY_HOMESERVER_URL: 'http://127.0.0.1:9',
        PARLEY_HOMESERVER_NAME: serverName,
        PARLEY_AS_ID: uniqueName('bench'),
        PARLEY_AS_TOKEN: 'unused',
        PARLEY_HS_TOKEN: hsToken,
        PARLEY_AS_PING_ON_START: 'false',
        // Starting is a recovery: ingest's catch-up pass reads the last minutes of the events topic (here
        // the previous runs' too). Run it at once, and wait for it below, so the rounds measure the
        // steady state (the pass's own speed is measured at the end).
        PARLEY_AS_CATCH_UP_DELAY_MS: '0',
        PARLEY_KAFKA_BROKERS: kafka.brokers.join(','),
        PARLEY_KAFKA_PARTITIONS: '6',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  process.on('exit', () => child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (i > 300) throw new Error('ingest did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (let i = 0; ; i++) {
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    if (/^parley_ingest_catch_up_passes_total\{[^}]*result="(done|failed)"[^}]*\} [1-9]/m.test(metrics)) break;
    if (i > 1200) throw new Error('ingest did not finish its start-up catch-up pass');
    await new Promise((r) => setTimeout(r, 100));
  }
  let txn = 0;
  const transactionBody = (): string =>
    JSON.stringify({ events: Array.from({ length: PER_TXN }, () => clientEvent(seq++)) });
  // node:http on one kept-alive connection, as a homeserver sends. The client shares the two cores with
  // ingest and the broker; with fetch (undici) its own cost showed in ingest's number (README).
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (body = transactionBody()): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const payload = Buffer.from(body);
      const request = httpRequest(
        `${base}/_matrix/app/v1/transactions/${String(txn++)}`,
        {
          method: 'PUT',
          agent,
          headers: {
            authorization: `Bearer ${hsToken}`,
            'content-type': 'application/json',
            'content-length': payload.length,
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 200) resolve(performance.now() - started);
            else reject(new Error(`transaction answered ${String(response.statusCode)}`));
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  // Warm-up fills the room cache and JIT; then the measured run.
  for (let i = 0; i < 50; i++) await send();
  // The homeserver's work (building the transaction) is done before the clock starts, as the raw
  // producer's records are.
  const bodies = Array.from({ length: TRANSACTIONS }, transactionBody);
  const ingestLatencies: number[] = [];
  let ingestSeconds = 0;
  const runIngest = async (from: number, to: number): Promise<void> => {
    const start = performance.now();
    for (const body of bodies.slice(from, to)) ingestLatencies.push(await send(body));
    ingestSeconds += (performance.now() - start) / 1000;
  };
  await runRaw(0, 50); // the raw producer's warm-up
  const roundsStartedAt = Date.now();
  rawLatencies.length = 0;
  rawSeconds = 0;
  // Alternating rounds, so drift on a shared machine (and the broker's own warm-up) falls on both.
  const ROUNDS = 4;
  for (let round = 0; round < ROUNDS; round++) {
    const from = Math.floor((round * TRANSACTIONS) / ROUNDS);
    const to = Math.floor(((round + 1) * TRANSACTIONS) / ROUNDS);
    await runRaw(from, to);
    await runIngest(from, to);
  }
  await producer.disconnect();

  // Memory: resident set after a warm-up long enough for V8's heap to reach its working size, then
  // after MEMORY_EVENTS more events.
  const rss = () => Number(readFileSync(`/proc/${child.pid}/statm`, 'utf8').split(' ')[1]) * 4096;
  for (let i = 0; i < 1000; i++) await send();
  const rssBefore = rss();
  for (let i = 0; i < MEMORY_EVENTS / PER_TXN; i++) await send();
  const rssAfter = rss();
  child.kill('SIGTERM');
  await exited;

  // The catch-up pass after a recovery reads the events topic back over its lookback window: how fast,
  // against the rate ingest fills it. Everything this run produced, from the first round on.
  const readStart = performance.now();
  const collector = new ActivityCollector((userId) => pipeline.canActAs(userId));
  await readTopicRange(
    client,
    TOPICS.matrixEvents,
    (_partition, message) => {
      collector.addMessage(message);
    },
    {
      fromTimestamp: roundsStartedAt,
      timeoutMs: 60_000,
    },
  );
  const activity = collector.activity;
  const readSeconds = (performance.now() - readStart) / 1000;
  const readRate = activity.producedEventIds.size / readSeconds;

  const rawRate = (TRANSACTIONS * PER_TXN) / rawSeconds;
  const ingestRate = (TRANSACTIONS * PER_TXN) / ingestSeconds;
  ingestLatencies.sort((a, b) => a - b);
  rawLatencies.sort((a, b) => a - b);
  const growth = (rssAfter - rssBefore) / rssBefore;
  const rows: [string, string][] = [
    ['raw kafkajs events/s', rawRate.toFixed(0)],
    ['ingest events/s', ingestRate.toFixed(0)],
    ['ratio ingest/raw (target >= 0.90)', (ingestRate / rawRate).toFixed(3)],
    ['raw p99 batch ms', percentile(rawLatencies, 99).toFixed(1)],
    ['ingest p50 ack ms', percentile(ingestLatencies, 50).toFixed(1)],
    ['ingest p99 ack ms (target <= 50)', percentile(ingestLatencies, 99).toFixed(1)],
    [
      `ingest RSS before → after ${MEMORY_EVENTS} events (MiB)`,
      `${(rssBefore / 2 ** 20).toFixed(1)} → ${(rssAfter / 2 ** 20).toFixed(1)}`,
    ],
    ['RSS growth (target < 10%)', `${(growth * 100).toFixed(1)}%`],
    [`catch-up reads the topic back, events/s (${String(activity.producedEventIds.size)})`, readRate.toFixed(0)],
    ['ratio catch-up read/ingest', (readRate / ingestRate).toFixed(2)],
  ];
  console.log(`\ningest benchmark: ${TRANSACTIONS} transactions of ${PER_TXN} events, topic ${TOPICS.matrixEvents}`);
  for (const [name, value] of rows) console.log(`  ${name.padEnd(52)} ${value}`);
}

await main();
