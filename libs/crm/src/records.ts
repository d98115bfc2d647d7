import type { Sentiment } from '@parley/contracts';

/**
 * A person as Parley knows them: `matrixId` and/or `whatsappId` (E.164) identify them; the
 * `last*` fields only when this batch has a newer inbound label for them (absent fields are left alone).
 */
export interface ContactRecord {
  key: string;
  matrixId?: string;
  whatsappId?: string;
  /** WhatsApp's hidden id (LID, digits) of a customer whose number the bridge no longer shows. */
  whatsappLid?: string;
  /** A phone number (E.164) another bridge gave as the sender's remote id. */
  phone?: string;
  firstName?: string;
  lastName?: string;
  lastIntent?: string;
  lastSentiment?: Sentiment;
  lastContactAt?: string;
  /** The person across their conversations (PersonRollup), when one of them changed in this batch. */
  rollup?: ContactRollup;
  /** Contacts on other channels linked into this person, with the evidence ("" when none). */
  linkedIdentities?: string;
}

/**
 * A contact that joined another person (a merge) or left one (its reversal): its records move to the
 * person, and its own CRM record, if it has one, says where it went (`mergedInto`, null when back).
 */
export interface Reassignment {
  contactKey: string;
  personKey: string;
  mergedInto: string | null;
}

/** What the CRM's person gets of their rollup (apps/crm-sink/README.md, "People"). */
export interface ContactRollup {
  segment: string;
  engagementScore: number;
  conversations: number;
  /** Customer messages across those conversations. */
  messages: number;
  openConversations: number;
  firstContactAt: string;
  medianFirstResponseMinutes: number | null;
  averageSentiment: number | null;
  sentimentTrend: string | null;
}

export type Direction = 'inbound' | 'outbound' | 'unknown';

/** One chat message with its labels; `externalId` (the Matrix event id) makes writes idempotent. */
export interface ChatMessageRecord {
  externalId: string;
  text: string;
  sentAt: string;
  /** Remote network of the room: whatsapp, matrix, telegram… */
  channel: string;
  roomId: string;
  /** Room name from the room-state topic, or the room id. */
  room: string;
  direction: Direction;
  intent: string | null;
  sentiment: Sentiment | null;
  confidence: number | null;
  /** The customer the message belongs to (sender for inbound, the room's customer for outbound). */
  contactKey: string | null;
  /** Set when the message was redacted: the record keeps no text or labels. */
  redactedAt: string | null;
  /** The conversation (its id on parley.conversations.v1) the message is part of, once it has one. */
  conversationKey?: string;
  /** The person of `contactKey` when it is linked into another contact's person. */
  personKey?: string;
}

/**
 * A conversation as the CRM keeps it: its support metrics (parley.conversations.v1 without the message
 * list), `externalId` being the conversation id; or its removal, when its last message was redacted or
 * its person erased.
 */
export type ConversationCrmRecord = ConversationMetricsRecord | { externalId: string; removed: true };

export interface ConversationMetricsRecord {
  externalId: string;
  removed: false;
  channel: string;
  roomId: string;
  room: string;
  contactKey: string | null;
  /** The person of `contactKey` when it is linked into another contact's person. */
  personKey?: string;
  status: 'open' | 'resolved';
  openedAt: string | null;
  lastMessageAt: string;
  resolvedAt: string | null;
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
  customerMessages: number;
  businessMessages: number;
  /** Intents seen, most frequent first. */
  intents: string[];
  sentimentStart: Sentiment | null;
  sentimentEnd: Sentiment | null;
  averageSentiment: number | null;
  sentimentTrend: string | null;
  keywords: string[];
  followUpRaised: boolean;
  firstResponseBreached: boolean;
  resolutionBreached: boolean;
  reopened: number;
}

/** A follow-up task; `key` (rule, room, episode) makes it once per conversation episode. */
export interface FollowUpRecord {
  key: string;
  rule: string;
  title: string;
  markdown: string;
  dueAt: string;
  contactKey: string | null;
  roomId: string;
}

export interface CrmBatch {
  contacts: ContactRecord[];
  messages: ChatMessageRecord[];
  followUps: FollowUpRecord[];
  /** Conversations that changed with this batch (their messages point at them). */
  conversations?: ConversationCrmRecord[];
  /** Contacts whose person changed: written after the contacts, before the messages. */
  reassignments?: Reassignment[];
}

export interface WriteOptions {
  /** Called at least every second while a write waits (rate limit, retries), e.g. a Kafka heartbeat. */
  onWait?: () => Promise<void>;
}

/** A record the target refused for good (bad data, not a transient failure), with the reason. */
export interface RejectedRecord {
  kind: 'contact' | 'message' | 'followUp' | 'conversation';
  key: string;
  reason: string;
}

/** Where CRM records go: Twenty, or an NDJSON file. A write resolves only once the records are stored. */
export interface CrmTarget {
  readonly name: string;
  write(batch: CrmBatch, options?: WriteOptions): Promise<RejectedRecord[]>;
  /** Gives every chat-message record of the room written under another name the room's name. */
  renameRoom(roomId: string, name: string, options?: WriteOptions): Promise<void>;
  close(): Promise<void>;
}

export const isEmptyBatch = (batch: CrmBatch) =>
  batch.contacts.length === 0 &&
  batch.messages.length === 0 &&
  batch.followUps.length === 0 &&
  (batch.conversations?.length ?? 0) === 0 &&
  (batch.reassignments?.length ?? 0) === 0;

/** The CRM refused the credentials (401/403). Writing stops until they work again. */
export class CredentialsRejectedError extends Error {
  override readonly name: string = 'CredentialsRejectedError';
}
