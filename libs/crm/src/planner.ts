import type { ClassificationV1, LabelV1 } from '@parley/contracts';
import type { ConversationInput, PeopleRules, SegmentEntry } from '@parley/conversations';
import { contactOf, identifiersOf, whatsappIdFromChat } from './contacts.ts';
import { Conversations, type RoomMemory } from './conversations.ts';
import type { FollowUpConfig, FollowUpRule } from './follow-up-rules.ts';
import type { ChatMessageRecord, ContactRecord, CrmBatch, Direction, FollowUpRecord } from './records.ts';

export interface PlannerOptions {
  followUps: FollowUpConfig;
  /** Link to a conversation; {roomId} and {eventId} are filled in (URL-encoded). */
  conversationUrl: string;
  /** Room display names from the room-state topic. */
  roomName: (roomId: string) => string | undefined;
  restored?: Iterable<[string, RoomMemory]>;
}

/** A customer seen with identifiers (a phone number, a WhatsApp LID) in a message: evidence of who they are. */
export interface Sighting {
  contactKey: string;
  identifiers: string[];
  at: string;
  eventId: string;
}

const minutes = (n: number) => n * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Turns classifications into CRM records: contacts (with their latest intent and sentiment), one
 * record per chat message, and follow-up tasks once per rule and conversation episode. Everything it
 * produces is keyed, so writing the same plan twice changes nothing.
 */
export class CrmPlanner {
  readonly conversations: Conversations;
  private readonly options: PlannerOptions;

  constructor(options: PlannerOptions) {
    this.options = options;
    this.conversations = new Conversations(options.followUps.episodeGapMinutes, options.restored);
  }

  plan(classifications: readonly ClassificationV1[]): CrmBatch {
    return this.planWithObservations(classifications).batch;
  }

  /**
   * The CRM batch, and each message as the conversations see it: which side spoke and who the customer
   * is, decided here once for both.
   */
  planWithObservations(classifications: readonly ClassificationV1[]): {
    batch: CrmBatch;
    observations: ConversationInput[];
    sightings: Sighting[];
  } {
    const observations: ConversationInput[] = [];
    const sightings: Sighting[] = [];
    const contacts = new Map<string, ContactRecord>();
    const messages = new Map<string, ChatMessageRecord>();
    const followUps = new Map<string, FollowUpRecord>();
    const addContact = (contact: ContactRecord) => {
      const existing = contacts.get(contact.key);
      contacts.set(contact.key, { ...existing, ...contact });
    };

    for (const event of classifications) {
      const { message } = event;
      // Spaces, the bridge's management room, status broadcasts and newsletters are not conversations.
      if (message.channel.conversation === false) continue;
      const memory = this.conversations.observe(message.roomId, message.sentAt);
      const sender = this.samePersonInDm(
        contactOf(message.sender, message.channel.protocol),
        message,
        memory,
        message.roomId,
      );
      if (sender !== undefined && memory.customer?.key !== sender.key) {
        memory.customer = identity(sender);
      }
      const identifiers = sender === undefined ? [] : identifiersOf(sender);
      if (sender !== undefined && identifiers.length > 0)
        sightings.push({ contactKey: sender.key, identifiers, at: message.sentAt, eventId: message.eventId });
      const direction: Direction =
        sender !== undefined ? 'inbound' : message.sender.side === 'business' ? 'outbound' : 'unknown';
      const customer = sender ?? this.customerOf(message.roomId, memory, message.channel.remoteChatId);
      if (customer !== undefined) addContact(sender ?? identity(customer));

      const base = {
        externalId: message.eventId,
        sentAt: message.sentAt,
        channel: message.channel.protocol,
        roomId: message.roomId,
        room: this.roomNameFor(message.roomId, memory),
        direction,
        contactKey: customer?.key ?? null,
      };
      if (event.kind === 'retraction') {
        observations.push({ kind: 'retraction', roomId: message.roomId, eventId: message.eventId, at: message.sentAt });
        messages.delete(base.externalId);
        messages.set(base.externalId, {
          ...base,
          text: '',
          intent: null,
          sentiment: null,
          confidence: null,
          redactedAt: event.classifiedAt,
        });
        continue;
      }
      messages.delete(base.externalId);
      messages.set(base.externalId, {
        ...base,
        text: message.text,
        intent: event.intent.label,
        sentiment: event.sentiment.label,
        confidence: Math.min(event.intent.confidence, event.sentiment.confidence),
        redactedAt: null,
      });
      if (direction !== 'unknown')
        observations.push({
          kind: 'label',
          roomId: message.roomId,
          channel: message.channel,
          eventId: message.eventId,
          at: message.sentAt,
          side: direction === 'inbound' ? 'customer' : 'business',
          personKey: customer?.key ?? null,
          intent: event.intent.label,
          sentiment: event.sentiment.label,
          score: event.sentiment.score,
          keywords: event.keywords,
        });

      if (direction === 'inbound' && sender !== undefined) {
        const previous = contacts.get(sender.key);
        if (previous?.lastContactAt === undefined || previous.lastContactAt <= message.sentAt)
          addContact({
            ...sender,
            lastIntent: event.intent.label,
            lastSentiment: event.sentiment.label,
            lastContactAt: message.sentAt,
          });
        // A thank-you that closes the conversation waits for no answer.
        const closing = this.options.followUps.conversations.closingSignal;
        if (!closing.intents.includes(event.intent.label) || !closing.sentiments.includes(event.sentiment.label))
          memory.waiting ??= { eventId: message.eventId, since: message.sentAt };
      }
      for (const followUp of this.labelFollowUps(event, memory, direction)) followUps.set(followUp.key, followUp);
      // An answer ends the wait; a late answer still counts as a breach of the unanswered rule.
      for (const followUp of this.unansweredFollowUps(message.roomId, memory, Date.parse(message.sentAt)))
        followUps.set(followUp.key, followUp);
      if (direction === 'outbound') memory.waiting = undefined;
    }
    for (const followUp of followUps.values()) {
      const key = followUp.contactKey;
      if (key !== null && !contacts.has(key)) {
        const customer = this.conversations.get(followUp.roomId).customer;
        if (customer) addContact(identity(customer));
      }
    }
    return {
      batch: { contacts: [...contacts.values()], messages: [...messages.values()], followUps: [...followUps.values()] },
      observations,
      sightings,
    };
  }

  /**
   * The retention follow-up for a person who entered a segment: a task on the person, linked to the
   * message that put them there, once per conversation episode of that room.
   */
  segmentFollowUp(entry: SegmentEntry, retention: NonNullable<PeopleRules['retention']>): FollowUpRecord {
    const memory = this.conversations.get(entry.roomId);
    memory.customer ??= identity({ key: entry.personKey });
    const rule: FollowUpRule = {
      id: `segment-${entry.segment}`,
      kind: 'label',
      minConfidence: 0,
      title: retention.title.replaceAll('{segment}', entry.segment),
      dueInMinutes: retention.dueInMinutes,
    };
    this.conversations.markChanged(entry.roomId);
    return this.followUp(
      rule,
      entry.roomId,
      memory,
      entry.eventId,
      Date.parse(entry.at) + minutes(retention.dueInMinutes),
      {
        intent: '',
        sentiment: '',
        reason: `the customer entered the segment **${entry.segment}**${entry.from === null ? '' : ` (was ${entry.from})`} at ${entry.at}`,
      },
    );
  }

  /** The room's name from the room-state topic, or its id. */
  roomName(roomId: string): string {
    return this.options.roomName(roomId) ?? roomId;
  }

  /** The name to write for a room, remembered so that a name that arrives later renames the records once. */
  private roomNameFor(roomId: string, memory: RoomMemory): string {
    const name = this.options.roomName(roomId) ?? roomId;
    if (memory.roomName === undefined) {
      memory.roomName = name;
      this.conversations.markChanged(roomId);
    }
    return name;
  }

  /**
   * Rooms whose records were written under another name than the rooms topic now gives (usually their
   * id, when a record arrived before its room's name): each to be renamed once.
   */
  renamesDue(): { roomId: string; from: string; name: string }[] {
    const due: { roomId: string; from: string; name: string }[] = [];
    for (const [roomId, memory] of this.conversations.entries()) {
      const name = this.options.roomName(roomId);
      if (memory.roomName !== undefined && name !== undefined && name !== memory.roomName)
        due.push({ roomId, from: memory.roomName, name });
    }
    return due;
  }

  /** The target renamed the room's records: remember the name (persisted with the room's memory). */
  renamed(roomId: string, name: string): void {
    this.conversations.get(roomId).roomName = name;
    this.conversations.markChanged(roomId);
  }

  /** Unanswered follow-ups that are due by the wall clock, for rooms that went quiet. */
  due(now: number): CrmBatch {
    const followUps: FollowUpRecord[] = [];
    const contacts = new Map<string, ContactRecord>();
    for (const [roomId, memory] of this.conversations.entries()) {
      for (const followUp of this.unansweredFollowUps(roomId, memory, now)) {
        followUps.push(followUp);
        if (memory.customer) contacts.set(memory.customer.key, identity(memory.customer));
      }
    }
    return { contacts: [...contacts.values()], messages: [], followUps };
  }

  /**
   * In a WhatsApp DM the customer is the chat partner, whichever ghost speaks for them: mautrix-whatsapp
   * v26.08 moves DMs from the phone-number ghost to a LID ghost, which hides the number. A LID ghost in
   * a DM whose customer has a number (from an earlier message, or the chat's own JID) is that customer:
   * one contact, with the number it had and the LID beside it. A replay decides the same way.
   */
  private samePersonInDm(
    sender: ContactRecord | undefined,
    message: ClassificationV1['message'],
    memory: RoomMemory,
    roomId: string,
  ): ContactRecord | undefined {
    const dm = message.channel.kind === 'dm' || message.channel.roomType === 'dm';
    if (sender === undefined || !dm || sender.whatsappId !== undefined || sender.whatsappLid === undefined)
      return sender;
    const phone = memory.customer?.whatsappId ?? whatsappIdFromChat(message.channel.remoteChatId);
    if (phone === undefined) return sender;
    const merged: ContactRecord = { ...sender, key: `whatsapp:${phone}`, whatsappId: phone };
    if (memory.customer?.whatsappLid !== sender.whatsappLid) {
      memory.customer = identity(merged);
      this.conversations.markChanged(roomId);
    }
    return merged;
  }

  private customerOf(roomId: string, memory: RoomMemory, remoteChatId: string | undefined) {
    if (memory.customer) return memory.customer;
    const whatsappId = whatsappIdFromChat(remoteChatId);
    if (whatsappId === undefined) return undefined;
    // A business message in a WhatsApp DM before the customer wrote: the chat id names the customer.
    memory.customer = { key: `whatsapp:${whatsappId}`, whatsappId };
    this.conversations.markChanged(roomId);
    return memory.customer;
  }

  private labelFollowUps(event: LabelV1, memory: RoomMemory, direction: Direction): FollowUpRecord[] {
    if (direction !== 'inbound') return [];
    const rules = this.options.followUps.rules.filter(
      (rule): rule is Extract<FollowUpRule, { kind: 'label' }> =>
        rule.kind === 'label' &&
        !memory.fired.includes(rule.id) &&
        (rule.sentiments === undefined || rule.sentiments.includes(event.sentiment.label)) &&
        (rule.intents === undefined || rule.intents.includes(event.intent.label)) &&
        Math.min(event.intent.confidence, event.sentiment.confidence) >= rule.minConfidence,
    );
    return rules.map((rule) => {
      memory.fired.push(rule.id);
      const { message } = event;
      const due = Date.parse(message.sentAt) + minutes(rule.dueInMinutes);
      return this.followUp(rule, message.roomId, memory, message.eventId, due, {
        intent: event.intent.label,
        sentiment: event.sentiment.label,
        reason: `${event.sentiment.label} message with intent **${event.intent.label}** at ${message.sentAt}`,
        quote: message.text,
      });
    });
  }

  private unansweredFollowUps(roomId: string, memory: RoomMemory, now: number): FollowUpRecord[] {
    const waiting = memory.waiting;
    if (waiting === undefined) return [];
    return this.options.followUps.rules
      .filter(
        (rule): rule is Extract<FollowUpRule, { kind: 'unanswered' }> =>
          rule.kind === 'unanswered' &&
          !memory.fired.includes(rule.id) &&
          now - Date.parse(waiting.since) > minutes(rule.afterMinutes),
      )
      .map((rule) => {
        memory.fired.push(rule.id);
        this.conversations.markChanged(roomId);
        const breachedAt = Date.parse(waiting.since) + minutes(rule.afterMinutes);
        return this.followUp(rule, roomId, memory, waiting.eventId, breachedAt + minutes(rule.dueInMinutes), {
          intent: '',
          sentiment: '',
          reason: `customer message from ${waiting.since} unanswered for more than ${String(rule.afterMinutes)} minutes`,
        });
      });
  }

  private followUp(
    rule: FollowUpRule,
    roomId: string,
    memory: RoomMemory,
    eventId: string,
    dueMs: number,
    details: { intent: string; sentiment: string; reason: string; quote?: string },
  ): FollowUpRecord {
    const room = this.options.roomName(roomId) ?? roomId;
    const contact = memory.customer?.whatsappId ?? memory.customer?.matrixId ?? 'unknown contact';
    const fill = (template: string) =>
      template
        .replaceAll('{intent}', details.intent)
        .replaceAll('{sentiment}', details.sentiment)
        .replaceAll('{contact}', contact)
        .replaceAll('{room}', room);
    const url = this.options.conversationUrl
      .replaceAll('{roomId}', encodeURIComponent(roomId))
      .replaceAll('{eventId}', encodeURIComponent(eventId));
    const quote = details.quote ? `\n\n> ${details.quote.slice(0, 280).replace(/\n/g, '\n> ')}` : '';
    return {
      key: `${rule.id}|${roomId}|${memory.episodeStart ?? ''}`,
      rule: rule.id,
      title: fill(rule.title),
      markdown: `Follow-up by Parley rule **${rule.id}**: ${details.reason}.${quote}\n\n[Open the conversation](${url}) (${room}, ${contact})`,
      dueAt: iso(dueMs),
      contactKey: memory.customer?.key ?? null,
      roomId,
    };
  }
}

/** Only who the contact is: writing it sets no name and no labels. */
function identity(customer: {
  key: string;
  matrixId?: string;
  whatsappId?: string;
  whatsappLid?: string;
}): ContactRecord {
  return {
    key: customer.key,
    ...(customer.matrixId === undefined ? {} : { matrixId: customer.matrixId }),
    ...(customer.whatsappId === undefined ? {} : { whatsappId: customer.whatsappId }),
    ...(customer.whatsappLid === undefined ? {} : { whatsappLid: customer.whatsappLid }),
  };
}
