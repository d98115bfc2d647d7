// The local stack's demo: WhatsApp-style conversations sent through a real Synapse (by an imitation
// bridge), then followed through Kafka and the CRM target, ending with a summary per conversation and a
// table of their conversations (parley.conversations.v1).
//   node --conditions=@parley/source tools/demo/run.ts registration --output FILE   (once, before Synapse starts)
//   node --conditions=@parley/source tools/demo/run.ts                              (after the stack is up)
// Settings come from the environment tools/stack.sh passes: PARLEY_KAFKA_BROKERS, PARLEY_DEMO_REGISTRATIONS
// (ingest's and the bridge's registration files), PARLEY_NDJSON_PATH or PARLEY_TWENTY_URL/_API_KEY.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ClassificationV1, ConversationV1, RoomStateV1, TOPICS } from '@parley/contracts';
import { FakeWhatsappBridge, startSynapse, uniqueName, type AppserviceRegistration } from '@parley/testing';
import { Kafka, logLevel } from 'kafkajs';
import { parse, stringify } from 'yaml';
import { CONVERSATIONS } from './conversations.ts';
import { conversationTable } from './table.ts';

const TIMEOUT_MS = Number(process.env.PARLEY_DEMO_TIMEOUT_MS ?? 600_000);
const say = (line: string) => process.stdout.write(`${line}\n`);
const clip = (text: string, n = 60) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

async function registration(output: string): Promise<void> {
  if (existsSync(output)) return;
  writeFileSync(output, stringify(new FakeWhatsappBridge().registration));
  say(`demo bridge registration written to ${output}`);
}

interface Sent {
  conversation: string;
  roomId: string;
  eventIds: string[];
  expected: number;
}

async function sendConversations(): Promise<Sent[]> {
  const files = (process.env.PARLEY_DEMO_REGISTRATIONS ?? '').split(',').filter(Boolean);
  const registrations = files.map((f) => parse(readFileSync(f, 'utf8')) as AppserviceRegistration);
  const bridgeRegistration = registrations.find((r) => r.url === null);
  if (!bridgeRegistration) throw new Error('PARLEY_DEMO_REGISTRATIONS must list the demo bridge registration');
  // The stack's Synapse, with the registrations it already loaded (the folder is the stack's; not rewritten).
  const synapse = await startSynapse({
    instance: process.env.PARLEY_INSTANCE ?? 'dev',
    appserviceDir: dirname(files[0] ?? ''),
  });
  const bridge = new FakeWhatsappBridge(bridgeRegistration);
  bridge.attach(synapse);
  const staff = await synapse.registerUser('agent');
  const run = uniqueName('demo').slice(-6);
  const sent: Sent[] = [];
  for (const conversation of CONVERSATIONS) {
    // A number of its own per run, so a second run shows new conversations.
    const phone = `${conversation.phone.slice(0, -4)}${run.replace(/\D/g, '0').slice(0, 4).padEnd(4, '0')}`;
    const customer = await bridge.registerGhost(phone, conversation.name);
    const roomId = await bridge.createDmPortal(phone, staff.userId);
    await staff.request('POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    say(`conversation with ${conversation.name} (+${phone})`);
    const eventIds: string[] = [];
    let messages = 0;
    for (const step of conversation.steps) {
      if (step.redacts !== undefined) {
        await bridge.redact(customer, roomId, eventIds[step.redacts] ?? '');
        say(`  ${conversation.name} redacted a message`);
        continue;
      }
      if (step.edits !== undefined) {
        await bridge.send(customer, roomId, {
          msgtype: 'm.text',
          body: `* ${step.text}`,
          'm.new_content': { msgtype: 'm.text', body: step.text },
          'm.relates_to': { rel_type: 'm.replace', event_id: eventIds[step.edits] ?? '' },
        });
        say(`  ${conversation.name} edited: ${clip(step.text)}`);
        continue;
      }
      const content = { msgtype: 'm.text', body: step.text };
      const id =
        step.from === 'customer'
          ? await bridge.send(customer, roomId, content)
          : (
              await staff.request<{ event_id: string }>(
                'PUT',
                `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${uniqueName('txn')}`,
                content,
              )
            ).event_id;
      eventIds.push(id);
      messages++;
      say(`  ${step.from === 'customer' ? conversation.name : 'staff'}: ${clip(step.text)}`);
    }
    sent.push({ conversation: conversation.name, roomId, eventIds, expected: messages });
  }
  return sent;
}

/** Follows the demo's rooms through Kafka and the NDJSON file from `offset`, its size before anything was sent. */
async function follow(sent: Sent[], ndjson: string | undefined, start: number): Promise<void> {
  const rooms = new Map(sent.map((s) => [s.roomId, s]));
  const labels = new Map<string, ClassificationV1>();
  /** The latest conversation of each demo room, and when one last changed. */
  const conversations = new Map<string, ConversationV1>();
  let conversationsChangedAt = Date.now();
  const crm: { kind: string; key: string; record: Record<string, unknown> }[] = [];
  const kafka = new Kafka({
    clientId: 'parley-demo',
    brokers: (process.env.PARLEY_KAFKA_BROKERS ?? '').split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: uniqueName('parley-demo') });
  // Room names come from the compacted rooms topic, as a data team's consumer would read them.
  const names = new Map<string, string>();
  const nameOf = (roomId: string) => names.get(roomId) ?? roomId;
  await consumer.connect();
  await consumer.subscribe({
    topics: [TOPICS.matrixRooms, TOPICS.classifications, TOPICS.conversations],
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const value: unknown = JSON.parse(message.value?.toString() ?? 'null');
      if (topic === TOPICS.conversations) {
        const conversation = ConversationV1.safeParse(value);
        if (!conversation.success || !rooms.has(conversation.data.roomId)) return;
        const known = conversations.get(conversation.data.roomId);
        if (known === undefined || known.startedAt <= conversation.data.startedAt) {
          conversations.set(conversation.data.roomId, conversation.data);
          conversationsChangedAt = Date.now();
        }
        return;
      }
      if (topic === TOPICS.matrixRooms) {
        const room = RoomStateV1.safeParse(value);
        if (!room.success || !rooms.has(room.data.roomId) || room.data.name === undefined) return;
        if (names.get(room.data.roomId) !== room.data.name)
          say(
            `room        ${room.data.name} (${room.data.channel.protocol} ${room.data.channel.kind ?? ''}) on ${topic}`,
          );
        names.set(room.data.roomId, room.data.name);
        return;
      }
      const parsed = ClassificationV1.safeParse(value);
      if (!parsed.success || !rooms.has(parsed.data.message.roomId)) return;
      const c = parsed.data;
      labels.set(c.message.eventId, c);
      const { sender } = c.message;
      const who = sender.side === 'business' ? `staff (${sender.userId})` : (sender.displayName ?? sender.userId);
      say(
        c.kind === 'label'
          ? `classified  [${nameOf(c.message.roomId)}] ${who}: ${c.intent.label} / ${c.sentiment.label} (${c.lineage.backend} ${c.lineage.model}) «${clip(c.message.text, 40)}»`
          : `classified  [${nameOf(c.message.roomId)}] a message was retracted (redaction)`,
      );
    },
  });

  let offset = start;
  const readCrm = () => {
    if (!ndjson || !existsSync(ndjson)) return;
    // Bytes, not characters: the offset is a file position and names may be multi-byte.
    const fresh = readFileSync(ndjson).subarray(offset);
    const end = fresh.lastIndexOf(10);
    if (end < 0) return;
    offset += end + 1;
    const text = fresh.subarray(0, end).toString('utf8');
    for (const line of text.split('\n')) {
      const entry = JSON.parse(line) as (typeof crm)[number];
      const roomId = typeof entry.record.roomId === 'string' ? entry.record.roomId : '';
      if (entry.kind !== 'contact' && !rooms.has(roomId)) continue;
      crm.push(entry);
      if (entry.kind === 'followUp') say(`crm         follow-up task: ${String(entry.record.title)}`);
      else if (entry.kind === 'message')
        say(
          `crm         chat message ${entry.key.slice(0, 16)}… in ${String(entry.record.room)} → ${String(entry.record.contactKey)} (${String(entry.record.intent)})`,
        );
      else if (entry.kind === 'room') say(`crm         room ${roomId} renamed to ${String(entry.record.name)}`);
    }
  };
  const expected = sent.reduce((n, s) => n + s.expected, 0);
  const started = Date.now();
  for (;;) {
    readCrm();
    const labelled = sent.flatMap((s) => s.eventIds).filter((id) => labels.has(id)).length;
    const written = new Set(crm.filter((e) => e.kind === 'message').map((e) => e.key)).size;
    if (labelled >= expected && (ndjson === undefined || written >= expected)) break;
    if (Date.now() - started > TIMEOUT_MS) {
      say(
        `gave up after ${String(TIMEOUT_MS / 1000)} s: ${String(labelled)}/${String(expected)} classified, ${String(written)} written`,
      );
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // The sink publishes a conversation with the batch that changed it: wait until they settle (bounded).
  const settleBy = Date.now() + 30_000;
  while (Date.now() < settleBy && (conversations.size < sent.length || Date.now() - conversationsChangedAt < 3000))
    await new Promise((resolve) => setTimeout(resolve, 500));
  await consumer.disconnect();
  readCrm();

  say('\nsummary');
  for (const s of sent) {
    const own = s.eventIds
      .map((id) => labels.get(id))
      .filter((c): c is Extract<ClassificationV1, { kind: 'label' }> => c?.kind === 'label');
    const intents = own.map((c) => `${c.intent.label}/${c.sentiment.label}`).join(', ');
    const tasks = crm.filter((e) => e.kind === 'followUp' && e.record.roomId === s.roomId).length;
    say(
      `  ${nameOf(s.roomId)}: ${String(s.expected)} messages, labels: ${intents || '—'}; follow-up tasks: ${String(tasks)}`,
    );
  }
  say('\nconversations (parley.conversations.v1)');
  const segments = new Map<string, string>();
  for (const entry of crm)
    if (entry.kind === 'contact') {
      const rollup = entry.record.rollup as { segment?: unknown } | undefined;
      if (typeof rollup?.segment === 'string') segments.set(entry.key, rollup.segment);
    }
  for (const line of conversationTable(
    sent.map((s) => {
      const conversation = conversations.get(s.roomId);
      return {
        name: nameOf(s.roomId),
        conversation,
        segment: conversation?.personKey ? segments.get(conversation.personKey) : undefined,
      };
    }),
  ))
    say(`  ${line}`);
  const unnamed = sent.filter((s) => !names.has(s.roomId));
  if (unnamed.length > 0) {
    say(`no record on ${TOPICS.matrixRooms} for: ${unnamed.map((s) => s.roomId).join(', ')}`);
    process.exitCode = 1;
  }
  say(ndjson ? `CRM records: ${ndjson}` : `CRM records: in Twenty at ${process.env.PARLEY_TWENTY_URL ?? ''}`);
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { output: { type: 'string' } } });
if (positionals[0] === 'registration') {
  if (!values.output) throw new Error('registration needs --output FILE');
  await registration(values.output);
} else {
  const ndjson = process.env.PARLEY_TWENTY_URL ? undefined : process.env.PARLEY_NDJSON_PATH;
  const start = ndjson && existsSync(ndjson) ? statSync(ndjson).size : 0;
  const sent = await sendConversations();
  await follow(sent, ndjson, start);
}
