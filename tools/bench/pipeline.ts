// Benchmark: end-to-end latency of the whole pipeline, from a message sent to Synapse (the send call
// returning) to its chat-message record written in Twenty (the contract server's createdAt), at a
// steady rate. Run it with the baseline backend (the pipeline alone) and with the LLM backend.
//   node --conditions=@parley/source tools/bench/pipeline.ts [--backend baseline|llm] [--rate 5] [--messages 300]
//     [--requests-per-minute 100]   (crm-sink's Twenty budget; with 100/min the sink batches, which costs latency)
// Each stage has its own benchmark beside this one: tools/bench/ingest.ts, classifier.ts, crm-sink.ts.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_TEST_MODEL,
  serviceTestEnv,
  spawnService,
  startIngestHomeserver,
  startKafka,
  startOllama,
  stopComponent,
  uniqueName,
  type ServiceProcess,
} from '@parley/testing';
import { TOPICS } from '@parley/contracts';
import { startContractServer } from '@parley/twenty-contract-server';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'baseline' },
    rate: { type: 'string' },
    messages: { type: 'string' },
    /** crm-sink's Twenty budget; the default is the product's (Twenty's documented 100 per minute). */
    'requests-per-minute': { type: 'string', default: '100' },
  },
});
const LLM = values.backend === 'llm';
// The LLM on two CPU cores labels about one message in six seconds: a steady rate must stay below that.
const RATE = Number(values.rate ?? (LLM ? '0.1' : '5'));
const MESSAGES = Number(values.messages ?? (LLM ? '20' : '300'));
const INSTANCE = 'bench-e2e';
const KEY = 'bench-e2e-key';
const entry = (app: string) => fileURLToPath(new URL(`../../apps/${app}/src/main.ts`, import.meta.url));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function main(): Promise<void> {
  const kafka = await startKafka(INSTANCE);
  const ollama = LLM ? await startOllama() : undefined;
  const twenty = await startContractServer({ apiKey: KEY, rateLimits: null });
  const { synapse, bridge, ingestEnv } = await startIngestHomeserver(entry('ingest'), INSTANCE);
  const common = serviceTestEnv(kafka.brokers, 'info');
  const services: ServiceProcess[] = [
    await spawnService({
      entry: entry('ingest'),
      env: {
        ...common,
        ...ingestEnv,
      },
    }),
    await spawnService({
      entry: entry('classifier'),
      env: {
        ...common,
        PARLEY_CLASSIFIER_BACKEND: LLM ? 'llm' : 'baseline',
        ...(ollama ? { PARLEY_OLLAMA_URL: ollama.url, PARLEY_OLLAMA_MODEL: DEFAULT_TEST_MODEL } : {}),
      },
    }),
    // Batches fill for at most 100 ms: the sink trades a little latency for fewer Twenty requests.
    await spawnService({
      entry: entry('crm-sink'),
      env: {
        ...common,
        PARLEY_TWENTY_URL: twenty.url,
        PARLEY_TWENTY_API_KEY: KEY,
        PARLEY_KAFKA_MAX_WAIT_MS: '100',
        PARLEY_TWENTY_RATE_LIMIT: values['requests-per-minute'],
      },
    }),
  ];
  try {
    const rooms: { customer: string; roomId: string }[] = [];
    const staff = await synapse.registerUser('agent');
    for (let c = 0; c < 10; c++) {
      const phone = `4916${String(Date.now()).slice(-7)}${String(c)}`;
      const customer = await bridge.registerGhost(phone, `Customer ${String(c)}`);
      rooms.push({ customer, roomId: await bridge.createDmPortal(phone, staff.userId) });
    }
    const sentAt = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < MESSAGES; i++) {
      const due = started + (i * 1000) / RATE;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const room = rooms[i % rooms.length];
      if (!room) throw new Error('no room');
      // Distinct texts, so the classifier's result cache never answers for the model.
      const id = await bridge.send(room.customer, room.roomId, {
        msgtype: 'm.text',
        body: `Order ${String(1000 + i)} has not arrived yet, can you check it for me?`,
      });
      sentAt.set(id, Date.now());
    }
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const written = twenty.records('chatMessage').filter((r) => sentAt.has(String(r.externalId)));
      if (written.length >= MESSAGES) break;
      if (Date.now() > deadline) throw new Error(`only ${String(written.length)} of ${String(MESSAGES)} arrived`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Where the time goes: when each message reached the events topic and the classifications topic.
    const stageAt = async (topic: string) => {
      const at = new Map<string, number>();
      const consumer = kafka.client().consumer({ groupId: uniqueName('bench-stages') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const value = JSON.parse(message.value?.toString() ?? '{}') as {
            eventId?: string;
            message?: { eventId?: string };
          };
          const id = value.message?.eventId ?? value.eventId;
          if (id !== undefined && sentAt.has(id) && !at.has(id)) at.set(id, Number(message.timestamp));
        },
      });
      const until = Date.now() + 60_000;
      while (at.size < MESSAGES && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 250));
      await consumer.disconnect();
      return at;
    };
    const inEvents = await stageAt(TOPICS.matrixEvents);
    const inClassifications = await stageAt(TOPICS.classifications);
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      );
    const createdAt = new Map(
      twenty.records('chatMessage').map((r) => [String(r.externalId), Date.parse(String(r.createdAt))]),
    );
    const ids = [...sentAt.keys()];
    const stagesMs = {
      synapseToEventsTopic: median(ids.map((id) => (inEvents.get(id) ?? NaN) - (sentAt.get(id) ?? 0))),
      eventsToClassifications: median(ids.map((id) => (inClassifications.get(id) ?? NaN) - (inEvents.get(id) ?? 0))),
      classificationsToTwenty: median(ids.map((id) => (createdAt.get(id) ?? NaN) - (inClassifications.get(id) ?? 0))),
    };
    const latencies = twenty
      .records('chatMessage')
      .filter((r) => sentAt.has(String(r.externalId)))
      .map((r) => Date.parse(String(r.createdAt)) - (sentAt.get(String(r.externalId)) ?? 0))
      .sort((a, b) => a - b);
    console.log(
      JSON.stringify(
        {
          backend: LLM ? `llm ${DEFAULT_TEST_MODEL}` : 'baseline',
          messages: MESSAGES,
          ratePerSecond: RATE,
          twentyRequestsPerMinute: Number(values['requests-per-minute']),
          endToEndMs: {
            p50: percentile(latencies, 50),
            p95: percentile(latencies, 95),
            p99: percentile(latencies, 99),
            max: latencies.at(-1),
          },
          medianPerStageMs: stagesMs,
          stages: 'per-stage benchmarks: tools/bench/ingest.ts, tools/bench/classifier.ts, tools/bench/crm-sink.ts',
        },
        null,
        2,
      ),
    );
  } finally {
    for (const service of services) await service.stop('SIGTERM');
    await twenty.close();
    await stopComponent('kafka', INSTANCE);
    await stopComponent('synapse', INSTANCE);
  }
}

await main();
