import type {
  ChatMessageRecord,
  ContactRecord,
  ConversationCrmRecord,
  ConversationMetricsRecord,
  CrmBatch,
  Reassignment,
  CrmTarget,
  FollowUpRecord,
  RejectedRecord,
  WriteOptions,
} from '@parley/crm';
import { identityOfKey } from '@parley/crm';
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

/** Writing hit a gap in the workspace's schema (an option or field Parley needs); see write(). */
class SchemaGapError extends Error {
  override readonly name = 'SchemaGapError';
}

/**
 * Writes CRM batches into Twenty: people upserted on their unique WhatsApp/Matrix ids, chat messages
 * upserted on `externalId` in batches of 60, follow-up tasks created once per key with a taskTarget
 * on the person. Every step is idempotent, so a batch retried after a crash writes nothing twice.
 * Answers are matched to inputs by their unique keys, never by position: a batch upsert on Twenty
 * answers updated records first, then inserted ones, and merges inputs that match one record.
 */
export class TwentyTarget implements CrmTarget {
  readonly name = 'twenty';
  private readonly client: TwentyClient;
  private readonly schema: WorkspaceSchema;
  /** Select values known to exist, by "object.field"; unknown (undefined) until a bootstrap has read them. */
  private options: Record<string, Set<string>> | undefined;

  constructor(client: TwentyClient, schema: WorkspaceSchema) {
    this.client = client;
    this.schema = schema;
  }

  /** Idempotent schema bootstrap; remembers the select options so new intents can be added later. */
  async bootstrap(): Promise<BootstrapReport> {
    return this.bootstrapWith(this.schema);
  }

  async write(batch: CrmBatch, options: WriteOptions = {}): Promise<RejectedRecord[]> {
    try {
      return await this.writeOnce(batch, options, true);
    } catch (error) {
      if (!(error instanceof SchemaGapError)) throw error;
      // The workspace lacks an option or field Parley needs (bootstrap was skipped or could not read the
      // schema). Complete it, which needs the data-model permission, then write again. Without the
      // permission this throws, and the records wait for a key that has it instead of being refused.
      await this.bootstrapWith(this.schemaFor(batch, true));
      return this.writeOnce(batch, options, false);
    }
  }

  async close(): Promise<void> {}

  /** Whether the workspace's schema has been read (a bootstrap succeeded), so its options are known. */
  get schemaKnown(): boolean {
    return this.options !== undefined;
  }

  /**
   * Gives the room's chat-message records written under another name (usually the room id, when a
   * message arrived before its room's name) the room's name: read a page of them, upsert it on
   * externalId with the new name, until none is left. Twice the same rename finds nothing to do.
   */
  async renameRoom(roomId: string, name: string, options: WriteOptions = {}): Promise<void> {
    const filter = encodeURIComponent(`roomId[eq]:${JSON.stringify(roomId)},room[neq]:${JSON.stringify(name)}`);
    let previous = '';
    for (;;) {
      const page = recordsOf(
        await this.client.get(`/rest/chatMessages?filter=${filter}&limit=${String(BATCH_LIMIT)}`, options),
      );
      const inputs = page.flatMap((record) =>
        typeof record.externalId === 'string' && record.externalId !== ''
          ? [{ externalId: record.externalId, room: name }]
          : [],
      );
      const signature = inputs.map((i) => i.externalId).join('\n');
      // Nothing left, or the same page again (the upsert did not take): stop rather than loop.
      if (inputs.length === 0 || signature === previous) return;
      previous = signature;
      await this.client.post('/rest/batch/chatMessages?upsert=true', inputs, options);
    }
  }

  private async bootstrapWith(schema: WorkspaceSchema): Promise<BootstrapReport> {
    const report = await bootstrapWorkspace(this.client, schema);
    this.options = Object.fromEntries(Object.entries(report.options).map(([k, v]) => [k, new Set(v)]));
    return report;
  }

  private async writeOnce(batch: CrmBatch, options: WriteOptions, gapsWait: boolean): Promise<RejectedRecord[]> {
    await this.ensureIntentOptions(batch);
    const rejected: RejectedRecord[] = [];
    const refuse = (error: unknown): TwentyRequestError => {
      if (!(error instanceof TwentyRequestError) || error.status !== 400) throw error;
      if (gapsWait && error.schemaGap !== undefined) throw new SchemaGapError(error.message, { cause: error });
      return error;
    };
    const people = await this.writeContacts(batch.contacts, options, rejected, refuse);
    for (const reassignment of batch.reassignments ?? []) await this.reassign(reassignment, people, options);
    const conversations = await this.writeConversations(batch.conversations ?? [], people, options, rejected, refuse);
    await this.writeMessages(batch.messages, people, conversations, options, rejected, refuse);
    await this.writeFollowUps(batch.followUps, people, options, rejected, refuse);
    return rejected;
  }

  /** An intent the taxonomy gained after bootstrap becomes a select option before it is written. */
  private async ensureIntentOptions(batch: CrmBatch): Promise<void> {
    const known = this.options?.['chatMessage.intent'];
    // Options unknown (bootstrap skipped or not permitted): write, and complete the schema on a gap.
    if (known === undefined) return;
    if ([...intentsOf(batch)].every((i) => known.has(i))) return;
    await this.bootstrapWith(this.schemaFor(batch, false));
  }

  /** Parley's schema with the batch's intents among the intent options (new ones grey). */
  private schemaFor(batch: CrmBatch, all: boolean): WorkspaceSchema {
    const known = this.options?.['chatMessage.intent'] ?? new Set<string>();
    const extra = [...intentsOf(batch)].filter((i) => all || !known.has(i));
    const schema = structuredClone(this.schema);
    const fields = ['person', 'chatMessage', 'conversation'].flatMap((object) => schema.fields[object] ?? []);
    for (const field of fields)
      if (field.name === 'intent' || field.name === 'lastIntent' || field.name === 'mainIntent') {
        const have = new Set((field.options ?? []).map((o) => o.value));
        field.options = [
          ...(field.options ?? []),
          ...extra
            .filter((value) => !have.has(value))
            .map((value) => ({
              value,
              label: value.charAt(0) + value.slice(1).toLowerCase(),
              color: 'gray' as const,
            })),
        ];
      }
    return schema;
  }

  // Contacts -------------------------------------------------------------------------------------

  /**
   * Upserts people and returns the person id of every contact key. Contacts of one batch that share a
   * WhatsApp or Matrix id are one person and one input. Each answered record is matched to its input
   * by those ids; an input the answer does not account for is looked up on its own.
   */
  private async writeContacts(
    contacts: readonly ContactRecord[],
    options: WriteOptions,
    rejected: RejectedRecord[],
    refuse: (error: unknown) => TwentyRequestError,
  ) {
    const ids = new Map<string, string>();
    for (const chunk of chunks(mergeByIdentity(contacts), BATCH_LIMIT)) {
      let records: Json[];
      try {
        records = recordsOf(
          await this.client.post(
            '/rest/batch/people?upsert=true',
            chunk.map((c) => personInput(c.contact)),
            options,
          ),
        );
      } catch (error) {
        refuse(error);
        // One bad or conflicting contact fails the whole batch; settle them one by one.
        for (const person of chunk) await this.settleContact(person, ids, options, rejected, refuse);
        continue;
      }
      for (const person of chunk) {
        const record = records.find((r) => sameIdentity(r, person.contact));
        if (record !== undefined && typeof record.id === 'string')
          for (const key of person.keys) ids.set(key, record.id);
        else await this.settleContact(person, ids, options, rejected, refuse);
      }
    }
    return ids;
  }

  private async settleContact(
    person: MergedContact,
    ids: Map<string, string>,
    options: WriteOptions,
    rejected: RejectedRecord[],
    refuse: (error: unknown) => TwentyRequestError,
  ): Promise<void> {
    try {
      const id = await this.reconcileContact(person.contact, options);
      for (const key of person.keys) ids.set(key, id);
    } catch (error) {
      const refused = refuse(error);
      for (const key of person.keys) rejected.push({ kind: 'contact', key, reason: refused.message });
    }
  }

  /**
   * One contact, when the batch upsert failed or did not answer for it: upsert it alone; if its
   * WhatsApp id and Matrix id belong to two different people, update the WhatsApp match and leave
   * the Matrix id where it is.
   */
  private async reconcileContact(contact: ContactRecord, options: WriteOptions): Promise<string> {
    try {
      const body = await this.client.post('/rest/batch/people?upsert=true', [personInput(contact)], options);
      const record = recordsOf(body).find((r) => sameIdentity(r, contact));
      if (record !== undefined && typeof record.id === 'string') return record.id;
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
    const byWhatsapp =
      (await find('whatsappId', contact.whatsappId)) ?? (await find('whatsappLid', contact.whatsappLid));
    const byMatrix = await find('matrixId', contact.matrixId);
    const target = byWhatsapp ?? byMatrix;
    if (target === undefined || typeof target.id !== 'string')
      throw new TwentyRequestError('POST', '/rest/people', 400, ['contact conflicts but no matching person was found']);
    const input = personInput(contact);
    if (byWhatsapp && byMatrix && byWhatsapp.id !== byMatrix.id) delete input.matrixId;
    await this.client.patch(`/rest/people/${target.id}`, input, options);
    return target.id;
  }

  // One person across channels -------------------------------------------------------------------

  /**
   * A contact joined or left a person: its chat messages and conversations (by `parleyContact`) move to
   * the person, a page at a time until none is left; its own person record, if it has one apart, says
   * where it went (or, back on its own, that it is no longer merged). Running it twice moves nothing.
   */
  private async reassign(reassignment: Reassignment, people: Map<string, string>, options: WriteOptions) {
    const personId = people.get(reassignment.personKey);
    if (personId === undefined) return;
    for (const object of ['chatMessages', 'conversations']) {
      const filter = encodeURIComponent(
        `parleyContact[eq]:${JSON.stringify(reassignment.contactKey)},personId[neq]:${JSON.stringify(personId)}`,
      );
      let previous = '';
      for (;;) {
        const page = recordsOf(
          await this.client.get(`/rest/${object}?filter=${filter}&limit=${String(BATCH_LIMIT)}`, options),
        );
        const inputs = page.flatMap((r) =>
          typeof r.externalId === 'string' && r.externalId !== '' ? [{ externalId: r.externalId, personId }] : [],
        );
        const signature = inputs.map((i) => i.externalId).join('\n');
        if (inputs.length === 0 || signature === previous) break;
        previous = signature;
        await this.client.post(`/rest/batch/${object}?upsert=true`, inputs, options);
      }
    }
    const own = identityOfKey(reassignment.contactKey);
    const [field, value] = own.whatsappId === undefined ? ['matrixId', own.matrixId] : ['whatsappId', own.whatsappId];
    const [record] = recordsOf(
      await this.client.get(
        `/rest/people?filter=${encodeURIComponent(`${field}[eq]:${JSON.stringify(value)}`)}&limit=1`,
        options,
      ),
    );
    if (typeof record?.id !== 'string') return;
    if (reassignment.mergedInto === null || record.id !== personId)
      await this.client.patch(
        `/rest/people/${record.id}`,
        { parleyMergedInto: reassignment.mergedInto ?? '' },
        options,
      );
  }

  // Conversations --------------------------------------------------------------------------------

  /**
   * Upserts the conversations on `externalId` (with their person) and returns the record id of each;
   * removed ones are deleted. A chunk Twenty refuses is written one by one, so one bad record is
   * refused alone.
   */
  private async writeConversations(
    conversations: readonly ConversationCrmRecord[],
    people: Map<string, string>,
    options: WriteOptions,
    rejected: RejectedRecord[],
    refuse: (error: unknown) => TwentyRequestError,
  ): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const kept = conversations.filter((c): c is ConversationMetricsRecord => !c.removed);
    for (const chunk of chunks(kept, BATCH_LIMIT)) {
      const upsert = async (records: readonly ConversationMetricsRecord[]) => {
        const body = await this.client.post(
          '/rest/batch/conversations?upsert=true',
          records.map((c) => conversationInput(c, people)),
          options,
        );
        for (const record of recordsOf(body))
          if (typeof record.externalId === 'string' && typeof record.id === 'string')
            ids.set(record.externalId, record.id);
      };
      try {
        await upsert(chunk);
      } catch (error) {
        refuse(error);
        for (const conversation of chunk)
          try {
            await upsert([conversation]);
          } catch (inner) {
            rejected.push({ kind: 'conversation', key: conversation.externalId, reason: refuse(inner).message });
          }
      }
    }
    const removed = conversations.filter((c) => c.removed).map((c) => c.externalId);
    for (const chunk of chunks(removed, BATCH_LIMIT)) {
      const found = await this.client.get(
        `/rest/conversations?filter=externalId[in]:${quoted(chunk)}&limit=${String(BATCH_LIMIT)}`,
        options,
      );
      for (const record of recordsOf(found))
        if (typeof record.id === 'string') await this.client.delete(`/rest/conversations/${record.id}`, options);
    }
    return ids;
  }

  // Chat messages --------------------------------------------------------------------------------

  private async writeMessages(
    messages: readonly ChatMessageRecord[],
    people: Map<string, string>,
    conversations: Map<string, string>,
    options: WriteOptions,
    rejected: RejectedRecord[],
    refuse: (error: unknown) => TwentyRequestError,
  ) {
    for (const chunk of chunks(messages, BATCH_LIMIT)) {
      const inputs = chunk.map((m) => messageInput(m, people, conversations));
      try {
        await this.client.post('/rest/batch/chatMessages?upsert=true', inputs, options);
      } catch (error) {
        const refused = refuse(error);
        if (chunk.length === 1) {
          if (chunk[0]) rejected.push({ kind: 'message', key: chunk[0].externalId, reason: refused.message });
          continue;
        }
        // Find the bad records one by one; the good ones are written.
        for (const [i, input] of inputs.entries()) {
          try {
            await this.client.post('/rest/batch/chatMessages?upsert=true', [input], options);
          } catch (inner) {
            rejected.push({ kind: 'message', key: chunk[i]?.externalId ?? '', reason: refuse(inner).message });
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
    refuse: (error: unknown) => TwentyRequestError,
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
          // Matched by key, not position, like every batch answer.
          for (const task of recordsOf(created))
            if (typeof task.parleyKey === 'string' && typeof task.id === 'string') taskIds.set(task.parleyKey, task.id);
        } catch (error) {
          const refused = refuse(error);
          for (const followUp of missing)
            rejected.push({ kind: 'followUp', key: followUp.key, reason: refused.message });
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

interface MergedContact {
  contact: ContactRecord;
  /** Every contact key of the batch this person stands for. */
  keys: string[];
}

/**
 * Contacts that share a WhatsApp id or a Matrix id are one person: Twenty would merge them (an
 * existing match) or refuse the batch as a duplicate (two new inputs with one unique value).
 */
function mergeByIdentity(contacts: readonly ContactRecord[]): MergedContact[] {
  const merged: MergedContact[] = [];
  for (const contact of contacts) {
    const matching = merged.filter((m) => sharesIdentity(m.contact, contact));
    if (matching.length === 0) {
      merged.push({ contact, keys: [contact.key] });
      continue;
    }
    const [first, ...rest] = matching;
    if (first === undefined) continue;
    for (const other of rest) {
      first.contact = { ...first.contact, ...other.contact, key: first.contact.key };
      first.keys.push(...other.keys);
      merged.splice(merged.indexOf(other), 1);
    }
    first.contact = { ...first.contact, ...contact, key: first.contact.key };
    first.keys.push(contact.key);
  }
  return merged;
}

const IDENTITY_KEYS = ['whatsappId', 'whatsappLid', 'matrixId'] as const;

/** Two contacts, or a person record and a contact, are one person when they share a unique id. */
function sharesIdentity(a: Partial<Record<(typeof IDENTITY_KEYS)[number], unknown>>, contact: ContactRecord): boolean {
  return IDENTITY_KEYS.some((key) => contact[key] !== undefined && a[key] === contact[key]);
}

/** The record is this contact's person: it holds one of the contact's WhatsApp number, LID or Matrix id. */
function sameIdentity(record: Json, contact: ContactRecord): boolean {
  return sharesIdentity(record, contact);
}

function intentsOf(batch: CrmBatch): Set<string> {
  const intents = new Set<string>();
  for (const m of batch.messages) if (m.intent) intents.add(optionValue(m.intent));
  for (const c of batch.contacts) if (c.lastIntent) intents.add(optionValue(c.lastIntent));
  for (const c of batch.conversations ?? []) if (!c.removed && c.intents[0]) intents.add(optionValue(c.intents[0]));
  return intents;
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
  if (contact.whatsappLid !== undefined) input.whatsappLid = contact.whatsappLid;
  if (contact.firstName !== undefined) input.name = { firstName: contact.firstName, lastName: contact.lastName ?? '' };
  if (contact.lastIntent !== undefined) input.lastIntent = optionValue(contact.lastIntent);
  if (contact.lastSentiment !== undefined) input.lastSentiment = optionValue(contact.lastSentiment);
  if (contact.lastContactAt !== undefined) input.lastContactAt = contact.lastContactAt;
  const rollup = contact.rollup;
  if (contact.linkedIdentities !== undefined) input.linkedIdentities = contact.linkedIdentities;
  if (rollup !== undefined) {
    input.parleySegment = rollup.segment;
    input.engagementScore = rollup.engagementScore;
    input.conversationCount = rollup.conversations;
    input.messageCount = rollup.messages;
    input.openConversations = rollup.openConversations;
    input.firstContactAt = rollup.firstContactAt;
    input.medianFirstResponseMinutes = rollup.medianFirstResponseMinutes;
    input.averageSentiment = rollup.averageSentiment;
    input.sentimentTrend = rollup.sentimentTrend ?? '';
  }
  return input;
}

/** The CRM person id of a record: its linked person's, or its contact's. */
function personIdOf(record: { contactKey: string | null; personKey?: string }, people: Map<string, string>) {
  const key = record.personKey ?? record.contactKey;
  return key === null ? undefined : people.get(key);
}

function conversationInput(conversation: ConversationMetricsRecord, people: Map<string, string>): Json {
  const personId = personIdOf(conversation, people);
  const select = (value: string | null) => (value === null ? null : optionValue(value));
  return {
    externalId: conversation.externalId,
    name: `${conversation.room} · ${(conversation.openedAt ?? conversation.lastMessageAt).slice(0, 16).replace('T', ' ')}`,
    channel: channelValue(conversation.channel),
    room: conversation.room,
    roomId: conversation.roomId,
    parleyContact: conversation.contactKey ?? '',
    status: optionValue(conversation.status),
    openedAt: conversation.openedAt,
    lastMessageAt: conversation.lastMessageAt,
    resolvedAt: conversation.resolvedAt,
    firstResponseMinutes: conversation.firstResponseMinutes,
    resolutionMinutes: conversation.resolutionMinutes,
    customerMessages: conversation.customerMessages,
    businessMessages: conversation.businessMessages,
    reopened: conversation.reopened,
    mainIntent: select(conversation.intents[0] ?? null),
    intents: conversation.intents.join(', '),
    sentimentStart: select(conversation.sentimentStart),
    sentimentEnd: select(conversation.sentimentEnd),
    averageSentiment: conversation.averageSentiment,
    sentimentTrend: conversation.sentimentTrend ?? '',
    keywords: conversation.keywords.join(', '),
    followUpRaised: conversation.followUpRaised,
    firstResponseBreached: conversation.firstResponseBreached,
    resolutionBreached: conversation.resolutionBreached,
    ...(personId === undefined ? {} : { personId }),
  };
}

function messageInput(
  message: ChatMessageRecord,
  people: Map<string, string>,
  conversations: Map<string, string>,
): Json {
  const personId = personIdOf(message, people);
  const conversationId = message.conversationKey === undefined ? undefined : conversations.get(message.conversationKey);
  return {
    externalId: message.externalId,
    name: message.text === '' ? '(no text)' : message.text.slice(0, 80),
    text: message.text,
    sentAt: message.sentAt,
    channel: channelValue(message.channel),
    room: message.room,
    roomId: message.roomId,
    parleyContact: message.contactKey ?? '',
    direction: optionValue(message.direction),
    intent: message.intent === null ? null : optionValue(message.intent),
    sentiment: message.sentiment === null ? null : optionValue(message.sentiment),
    confidence: message.confidence,
    redactedAt: message.redactedAt,
    ...(personId === undefined ? {} : { personId }),
    ...(conversationId === undefined ? {} : { conversationId }),
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
