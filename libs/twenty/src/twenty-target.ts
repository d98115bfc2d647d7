import type {
  ChatMessageRecord,
  ContactRecord,
  CrmBatch,
  CrmTarget,
  FollowUpRecord,
  RejectedRecord,
  WriteOptions,
} from '@parley/crm';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { bootstrapWorkspace, type BootstrapReport } from './bootstrap.ts';
import { recordsOf, type TwentyClient } from './client.ts';
import { TwentyRequestError } from './errors.ts';
import { channelValue, optionValue, type WorkspaceSchema } from './schema.ts';

/** Records per batch request: Twenty's documented limit. */
export const BATCH_LIMIT = 60;

type Json = Record<string, unknown>;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
const quoted = (values: readonly string[]) => encodeURIComponent(JSON.stringify(values));

/**
 * Writes CRM batches into Twenty: people upserted on their unique WhatsApp/Matrix ids, chat messages
 * upserted on `externalId` in batches of 60, follow-up tasks created once per key with a taskTarget
 * on the person. Every step is idempotent, so a batch retried after a crash writes nothing twice.
 */
export class TwentyTarget implements CrmTarget {
  readonly name = 'twenty';
  private readonly client: TwentyClient;
  private readonly schema: WorkspaceSchema;
  private options: Record<string, Set<string>> = {};

  constructor(client: TwentyClient, schema: WorkspaceSchema) {
    this.client = client;
    this.schema = schema;
  }

  /** Idempotent schema bootstrap; remembers the select options so new intents can be added later. */
  async bootstrap(): Promise<BootstrapReport> {
    const report = await bootstrapWorkspace(this.client, this.schema);
    this.options = Object.fromEntries(Object.entries(report.options).map(([k, v]) => [k, new Set(v)]));
    return report;
  }

  async write(batch: CrmBatch, options: WriteOptions = {}): Promise<RejectedRecord[]> {
    await this.ensureIntentOptions(batch);
    const rejected: RejectedRecord[] = [];
    const people = await this.writeContacts(batch.contacts, options, rejected);
    await this.writeMessages(batch.messages, people, options, rejected);
    await this.writeFollowUps(batch.followUps, people, options, rejected);
    return rejected;
  }

  async close(): Promise<void> {}

  /** An intent the taxonomy gained after bootstrap becomes a select option before it is written. */
  private async ensureIntentOptions(batch: CrmBatch): Promise<void> {
    const intents = new Set<string>();
    for (const m of batch.messages) if (m.intent) intents.add(optionValue(m.intent));
    for (const c of batch.contacts) if (c.lastIntent) intents.add(optionValue(c.lastIntent));
    const known = this.options['chatMessage.intent'];
    if (known === undefined || [...intents].every((i) => known.has(i))) return;
    const extra = [...intents].filter((i) => !known.has(i));
    const schema = structuredClone(this.schema);
    for (const field of [...(schema.fields.person ?? []), ...(schema.fields.chatMessage ?? [])])
      if (field.name === 'intent' || field.name === 'lastIntent')
        field.options = [
          ...(field.options ?? []),
          ...extra.map((value) => ({
            value,
            label: value.charAt(0) + value.slice(1).toLowerCase(),
            color: 'gray' as const,
          })),
        ];
    const report = await bootstrapWorkspace(this.client, schema);
    this.options = Object.fromEntries(Object.entries(report.options).map(([k, v]) => [k, new Set(v)]));
  }

  // Contacts -------------------------------------------------------------------------------------

  private async writeContacts(contacts: readonly ContactRecord[], options: WriteOptions, rejected: RejectedRecord[]) {
    const ids = new Map<string, string>();
    for (const chunk of chunks(contacts, BATCH_LIMIT)) {
      try {
        const body = await this.client.post('/rest/batch/people?upsert=true', chunk.map(personInput), options);
        recordsOf(body).forEach((record, i) => {
          const contact = chunk[i];
          if (contact && typeof record.id === 'string') ids.set(contact.key, record.id);
        });
      } catch (error) {
        if (!(error instanceof TwentyRequestError) || error.status !== 400) throw error;
        // One bad or conflicting contact fails the whole batch; settle them one by one.
        for (const contact of chunk) {
          try {
            ids.set(contact.key, await this.reconcileContact(contact, options));
          } catch (inner) {
            if (!(inner instanceof TwentyRequestError) || inner.status !== 400) throw inner;
            rejected.push({ kind: 'contact', key: contact.key, reason: inner.message });
          }
        }
      }
    }
    return ids;
  }

  /**
   * One contact, when the batch upsert failed: upsert it alone; if its WhatsApp id and Matrix id
   * belong to two different people, update the WhatsApp match and leave the Matrix id where it is.
   */
  private async reconcileContact(contact: ContactRecord, options: WriteOptions): Promise<string> {
    try {
      const body = await this.client.post('/rest/batch/people?upsert=true', [personInput(contact)], options);
      const id = recordsOf(body)[0]?.id;
      if (typeof id === 'string') return id;
    } catch (error) {
      if (!(error instanceof TwentyRequestError) || !error.isConflict) throw error;
    }
    const find = async (field: string, value: string | undefined) => {
      if (value === undefined) return undefined;
      const body = await this.client.get(
        `/rest/people?filter=${encodeURIComponent(`${field}[eq]:${JSON.stringify(value)}`)}&limit=1`,
        options,
      );
      return recordsOf(body)[0];
    };
    const byWhatsapp = await find('whatsappId', contact.whatsappId);
    const byMatrix = await find('matrixId', contact.matrixId);
    const target = byWhatsapp ?? byMatrix;
    if (target === undefined || typeof target.id !== 'string')
      throw new TwentyRequestError('POST', '/rest/people', 400, ['contact conflicts but no matching person was found']);
    const input = personInput(contact);
    if (byWhatsapp && byMatrix && byWhatsapp.id !== byMatrix.id) delete input.matrixId;
    await this.client.patch(`/rest/people/${target.id}`, input, options);
    return target.id;
  }

  // Chat messages --------------------------------------------------------------------------------

  private async writeMessages(
    messages: readonly ChatMessageRecord[],
    people: Map<string, string>,
    options: WriteOptions,
    rejected: RejectedRecord[],
  ) {
    for (const chunk of chunks(messages, BATCH_LIMIT)) {
      const inputs = chunk.map((m) => messageInput(m, people));
      try {
        await this.client.post('/rest/batch/chatMessages?upsert=true', inputs, options);
      } catch (error) {
        if (!(error instanceof TwentyRequestError) || error.status !== 400 || chunk.length === 1) {
          if (error instanceof TwentyRequestError && error.status === 400 && chunk[0])
            rejected.push({ kind: 'message', key: chunk[0].externalId, reason: error.message });
          else throw error;
          continue;
        }
        // Find the bad records one by one; the good ones are written.
        for (const [i, input] of inputs.entries()) {
          try {
            await this.client.post('/rest/batch/chatMessages?upsert=true', [input], options);
          } catch (inner) {
            if (!(inner instanceof TwentyRequestError) || inner.status !== 400) throw inner;
            rejected.push({ kind: 'message', key: chunk[i]?.externalId ?? '', reason: inner.message });
          }
        }
      }
    }
  }

  // Follow-ups -----------------------------------------------------------------------------------

  /**
   * Tasks are created, never upserted: a replay must not reopen a task someone marked DONE or undo
   * their edits. Existing keys are looked up first; taskTargets are added where a task lacks one.
   */
  private async writeFollowUps(
    followUps: readonly FollowUpRecord[],
    people: Map<string, string>,
    options: WriteOptions,
    rejected: RejectedRecord[],
  ) {
    for (const chunk of chunks(followUps, BATCH_LIMIT)) {
      const keys = chunk.map((f) => f.key);
      const found = await this.client.get(
        `/rest/tasks?filter=parleyKey[in]:${quoted(keys)}&limit=${BATCH_LIMIT}`,
        options,
      );
      const taskIds = new Map<string, string>();
      for (const task of recordsOf(found))
        if (typeof task.parleyKey === 'string') taskIds.set(task.parleyKey, String(task.id));
      const missing = chunk.filter((f) => !taskIds.has(f.key));
      if (missing.length > 0) {
        try {
          const created = await this.client.post('/rest/batch/tasks', missing.map(taskInput), options);
          recordsOf(created).forEach((task, i) => {
            const followUp = missing[i];
            if (followUp) taskIds.set(followUp.key, String(task.id));
          });
        } catch (error) {
          if (!(error instanceof TwentyRequestError) || error.status !== 400) throw error;
          for (const followUp of missing) rejected.push({ kind: 'followUp', key: followUp.key, reason: error.message });
        }
      }
      const wanted = chunk.flatMap((f) => {
        const taskId = taskIds.get(f.key);
        const personId = f.contactKey === null ? undefined : people.get(f.contactKey);
        return taskId && personId ? [{ taskId, targetPersonId: personId }] : [];
      });
      if (wanted.length === 0) continue;
      const targets = await this.client.get(
        `/rest/taskTargets?filter=taskId[in]:${quoted(wanted.map((w) => w.taskId))}&limit=200`,
        options,
      );
      const have = new Set(recordsOf(targets).map((t) => `${String(t.taskId)}|${String(t.targetPersonId)}`));
      const toCreate = wanted.filter((w) => !have.has(`${w.taskId}|${w.targetPersonId}`));
      if (toCreate.length > 0) await this.client.post('/rest/batch/taskTargets', toCreate, options);
    }
  }
}

function personInput(contact: ContactRecord): Json {
  const input: Json = {};
  if (contact.matrixId !== undefined) input.matrixId = contact.matrixId;
  if (contact.whatsappId !== undefined) {
    input.whatsappId = contact.whatsappId;
    const phone = parsePhoneNumberFromString(contact.whatsappId);
    if (phone)
      input.phones = {
        primaryPhoneNumber: phone.nationalNumber,
        primaryPhoneCountryCode: phone.country ?? '',
        primaryPhoneCallingCode: `+${phone.countryCallingCode}`,
      };
  }
  if (contact.firstName !== undefined) input.name = { firstName: contact.firstName, lastName: contact.lastName ?? '' };
  if (contact.lastIntent !== undefined) input.lastIntent = optionValue(contact.lastIntent);
  if (contact.lastSentiment !== undefined) input.lastSentiment = optionValue(contact.lastSentiment);
  if (contact.lastContactAt !== undefined) input.lastContactAt = contact.lastContactAt;
  return input;
}

function messageInput(message: ChatMessageRecord, people: Map<string, string>): Json {
  const personId = message.contactKey === null ? undefined : people.get(message.contactKey);
  return {
    externalId: message.externalId,
    name: message.text === '' ? '(no text)' : message.text.slice(0, 80),
    text: message.text,
    sentAt: message.sentAt,
    channel: channelValue(message.channel),
    room: message.room,
    roomId: message.roomId,
    direction: optionValue(message.direction),
    intent: message.intent === null ? null : optionValue(message.intent),
    sentiment: message.sentiment === null ? null : optionValue(message.sentiment),
    confidence: message.confidence,
    redactedAt: message.redactedAt,
    ...(personId === undefined ? {} : { personId }),
  };
}

function taskInput(followUp: FollowUpRecord): Json {
  return {
    parleyKey: followUp.key,
    title: followUp.title,
    bodyV2: { markdown: followUp.markdown },
    dueAt: followUp.dueAt,
    status: 'TODO',
  };
}
