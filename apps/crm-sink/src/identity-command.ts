import { parseArgs } from 'node:util';
import { ContactKey, IdentityDecisionV1, identityDecisionKey, type TopicRecord } from '@parley/contracts';
import { IDENTITY_KEY_PREFIX } from '@parley/crm';
import { Evidence, IdentityGraph } from '@parley/identity';
import { AcknowledgedProducer, kafkaClientFromSettings, readTopicRange } from '@parley/kafka';
import { ConfigError, createLogger, loadConfig, setting } from '@parley/service-runtime';
import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { crmSinkSettings } from './settings.ts';

const USAGE = `usage: parley-crm-sink identity <action> …
  link <contact> <contact> [--note why] [--by who]      the two contacts are one person
  separate <contact> <contact> [--note why] [--by who]  two people, whatever they share
  withdraw <contact> <contact>                          forget the decision; the evidence decides again
  explain <contact>                                     the person of a contact, and why
A contact is a CRM contact key: whatsapp:+<E.164> or matrix:@user:server. Decisions go to
PARLEY_IDENTITY_DECISIONS_TOPIC (compacted); a running crm-sink applies them at once, moving the
contact's chat messages and conversations in the CRM. Prints JSON; reads the service's settings.`;

const Args = z.discriminatedUnion('action', [
  z.object({
    action: z.enum(['link', 'separate']),
    a: ContactKey,
    b: ContactKey,
    note: z.string().optional(),
    by: z.string().min(1),
  }),
  z.object({ action: z.literal('withdraw'), a: ContactKey, b: ContactKey }),
  z.object({ action: z.literal('explain'), contact: ContactKey }),
]);
type Args = z.infer<typeof Args>;

/** `identity` subcommand; returns the process exit code. */
export async function identityCommand(args: string[]): Promise<number> {
  let parsed: Args;
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        note: { type: 'string' },
        by: { type: 'string', default: process.env.USER ?? 'operator' },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const [action, first, second] = positionals;
    const result = Args.safeParse(
      action === 'explain'
        ? { action, contact: first }
        : { action, a: first, b: second, ...(values.note === undefined ? {} : { note: values.note }), by: values.by },
    );
    if (!result.success) throw new Error(z.prettifyError(result.error));
    if ('a' in result.data && result.data.a === result.data.b) throw new Error('name two different contacts');
    parsed = result.data;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  let config;
  let kafka;
  try {
    config = loadConfig(z.object({ ...crmSinkSettings, PARLEY_LOG_LEVEL: setting.logLevel() }), {
      service: 'crm-sink',
    });
    kafka = kafkaClientFromSettings(
      { ...config, PARLEY_KAFKA_CLIENT_ID: `${config.PARLEY_KAFKA_CLIENT_ID}-identity` },
      // Logs to stderr: stdout is the command's answer.
      createLogger({ service: 'crm-sink-identity', level: config.PARLEY_LOG_LEVEL, destination: process.stderr }),
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 78;
  }
  const topics = { decisions: config.PARLEY_IDENTITY_DECISIONS_TOPIC, state: config.PARLEY_STATE_TOPIC };
  if (parsed.action === 'explain') {
    const graph = await loadGraph(kafka, topics);
    process.stdout.write(`${JSON.stringify(graph.explain(parsed.contact))}\n`);
    return 0;
  }
  const key = identityDecisionKey(parsed.a, parsed.b);
  const record: TopicRecord =
    parsed.action === 'withdraw'
      ? { topic: topics.decisions, key, value: null, headers: {} }
      : {
          topic: topics.decisions,
          key,
          value: IdentityDecisionV1.parse({
            schemaVersion: 1,
            a: parsed.a,
            b: parsed.b,
            decision: parsed.action === 'link' ? 'same' : 'different',
            by: parsed.by,
            ...(parsed.note === undefined ? {} : { note: parsed.note }),
            at: new Date().toISOString(),
          }),
          headers: { 'content-type': 'application/json' },
        };
  const producer = new AcknowledgedProducer(kafka, { timeoutMs: config.PARLEY_PUBLISH_TIMEOUT_MS });
  await producer.connect();
  try {
    await producer.publish([record]);
  } finally {
    await producer.disconnect();
  }
  process.stdout.write(`${JSON.stringify({ key, decision: record.value })}\n`);
  return 0;
}

/** The graph as the sink builds it at start-up: stored evidence and the decisions topic. */
async function loadGraph(kafka: Kafka, topics: { decisions: string; state: string }): Promise<IdentityGraph> {
  const evidence = new Map<string, Evidence[]>();
  await readTopicRange(kafka, topics.state, (_partition, message) => {
    const key = message.key?.toString();
    if (key?.startsWith(IDENTITY_KEY_PREFIX) !== true) return;
    const contact = key.slice(IDENTITY_KEY_PREFIX.length);
    const items = message.value === null ? undefined : Evidence.array().safeParse(JSON.parse(message.value.toString()));
    if (items?.success) evidence.set(contact, items.data);
    else evidence.delete(contact);
  });
  const decisions = new Map<string, IdentityDecisionV1>();
  await readTopicRange(kafka, topics.decisions, (_partition, message) => {
    const key = message.key?.toString();
    if (key === undefined) return;
    const decision =
      message.value === null ? undefined : IdentityDecisionV1.safeParse(JSON.parse(message.value.toString()));
    if (decision?.success) decisions.set(key, decision.data);
    else decisions.delete(key);
  });
  return new IdentityGraph(evidence, decisions.values());
}
