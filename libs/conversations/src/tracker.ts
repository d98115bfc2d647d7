import type { Channel, ConversationMessageV1, ConversationV1 } from '@parley/contracts';
import type { ConversationRules } from './rules.ts';
import { summarize } from './summary.ts';

/** One labelled message (or the redaction of one) as the sink saw it: who is the customer, which side spoke. */
export type ConversationInput =
  | {
      kind: 'label';
      roomId: string;
      channel: Channel;
      eventId: string;
      at: string;
      side: 'customer' | 'business';
      personKey: string | null;
      intent: string;
      sentiment: ConversationMessageV1['sentiment'];
      score: number;
      keywords: readonly string[];
    }
  | { kind: 'retraction'; roomId: string; eventId: string; at: string };

/** What a change did for the first time: measured once per conversation for metrics. */
export interface ConversationTransitions {
  firstResponseSeconds?: number;
  resolutionSeconds?: number;
  breached: ('firstResponse' | 'resolution')[];
  reopened: boolean;
}

/** A conversation's new state, or null when every message of it was redacted (a tombstone). */
export interface ConversationChange {
  conversationId: string;
  value: ConversationV1 | null;
  transitions?: ConversationTransitions;
}

/** What a published record had already shown, so that each transition is reported once. */
interface Shown {
  firstResponse: boolean;
  resolved: boolean;
  breachedFirstResponse: boolean;
  breachedResolution: boolean;
  reopened: number;
}

const shownBy = (r: ConversationV1): Shown => ({
  firstResponse: r.firstResponseSeconds !== null,
  resolved: r.status === 'resolved',
  breachedFirstResponse: r.breached.firstResponse,
  breachedResolution: r.breached.resolution,
  reopened: r.reopened,
});
const NOTHING_SHOWN: Shown = {
  firstResponse: false,
  resolved: false,
  breachedFirstResponse: false,
  breachedResolution: false,
  reopened: 0,
};

interface Tracked {
  conversationId: string;
  roomId: string;
  channel: Channel;
  personKey: string | null;
  followUps: string[];
  entries: Map<string, ConversationMessageV1>;
  lastMessageAt: string;
  /** The record last published, to publish only what changed. */
  published: string;
  /** When time alone next changes the record (quiet resolution, a target lapsing); Infinity: never. */
  deadline: number;
  shown: Shown;
  status: ConversationV1['status'];
}

const ms = (iso: string) => Date.parse(iso);

/**
 * Conversations per room, cut by the gap rule and kept current as labels, edits and redactions arrive.
 * The clock is the stream's event time (the latest message seen), moved on by `advance` when the wall
 * clock is later; every record is made from its messages alone (see `summarize`), so a replay from the
 * start of the topics gives the same records.
 */
export class ConversationTracker {
  private readonly rules: ConversationRules;
  /** Per room, its conversations, oldest first; the last one is current. */
  private readonly rooms = new Map<string, Tracked[]>();
  /** Conversations that time alone may change, checked against the clock after every run. */
  private readonly timed = new Set<Tracked>();
  /** No deadline in `timed` is earlier (it may be later: a sweep finds the true one). */
  private nextDeadline = -Infinity;
  private asOf = new Date(0).toISOString();
  /** Redactions of messages in no conversation kept in memory (older than `keepPerRoom` conversations). */
  unmatchedRetractions = 0;

  constructor(rules: ConversationRules, restored: Iterable<ConversationV1> = []) {
    this.rules = rules;
    const byRoom = new Map<string, ConversationV1[]>();
    for (const record of restored) byRoom.set(record.roomId, [...(byRoom.get(record.roomId) ?? []), record]);
    for (const [roomId, records] of byRoom) {
      const kept = records.sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1)).slice(-rules.keepPerRoom);
      const tracked = kept.map((r): Tracked => ({
        conversationId: r.conversationId,
        roomId,
        channel: r.channel,
        personKey: r.personKey,
        followUps: [...r.followUps],
        entries: new Map(r.entries.map((e) => [e.eventId, e])),
        lastMessageAt: r.lastMessageAt,
        published: JSON.stringify(r),
        deadline: this.deadlineOf(r),
        shown: shownBy(r),
        status: r.status,
      }));
      this.rooms.set(roomId, tracked);
      for (const t of tracked) if (t.deadline !== Infinity) this.timed.add(t);
      for (const r of kept) if (r.lastMessageAt > this.asOf) this.asOf = r.lastMessageAt;
    }
  }

  /**
   * Applies messages one at a time, calling `step` with what each changed (so people's rollups and
   * segments see every state, whatever the batching); returns the latest change of each conversation,
   * to publish.
   */
  applyStepwise(
    inputs: readonly ConversationInput[],
    followUps: readonly { roomId: string; rule: string }[],
    step: (changes: ConversationChange[]) => void,
  ): ConversationChange[] {
    const latest = new Map<string, ConversationChange>();
    const record = (changes: ConversationChange[]) => {
      for (const change of changes) {
        latest.delete(change.conversationId);
        latest.set(change.conversationId, change);
      }
      if (changes.length > 0) step(changes);
    };
    for (const input of inputs) record(this.apply([input]));
    record(this.apply([], followUps));
    return [...latest.values()];
  }

  /** Applies a run of messages in order; returns the conversations that changed. */
  apply(
    inputs: readonly ConversationInput[],
    followUps: readonly { roomId: string; rule: string }[] = [],
  ): ConversationChange[] {
    const touched = new Set<Tracked>();
    const removed: Tracked[] = [];
    for (const input of inputs) {
      if (input.at > this.asOf) this.asOf = input.at;
      if (input.kind === 'retraction') {
        const owner = this.owner(input.roomId, input.eventId);
        if (owner === undefined) {
          this.unmatchedRetractions += 1;
          continue;
        }
        owner.entries.delete(input.eventId);
        if (owner.entries.size === 0) {
          this.forgetConversation(owner);
          removed.push(owner);
        } else touched.add(owner);
        continue;
      }
      const earlier = this.owner(input.roomId, input.eventId);
      const entry: ConversationMessageV1 = {
        eventId: input.eventId,
        // An edit keeps its message's place in time.
        at: earlier?.entries.get(input.eventId)?.at ?? input.at,
        side: input.side,
        ...(input.side === 'customer'
          ? { intent: input.intent, ...(input.sentiment && { sentiment: input.sentiment }), score: input.score }
          : {}),
        keywords: input.side === 'customer' ? [...input.keywords] : [],
      };
      const conversation = earlier ?? this.conversationFor(input);
      conversation.entries.set(input.eventId, entry);
      if (entry.at > conversation.lastMessageAt) conversation.lastMessageAt = entry.at;
      if (input.side === 'customer' && input.personKey !== null) conversation.personKey = input.personKey;
      touched.add(conversation);
    }
    for (const { roomId, rule } of followUps) {
      const current = this.rooms.get(roomId)?.at(-1);
      if (current !== undefined && !current.followUps.includes(rule)) {
        current.followUps.push(rule);
        touched.add(current);
      }
    }
    return [
      ...removed.map((c) => ({ conversationId: c.conversationId, value: null })),
      ...this.changes([...touched, ...this.due()]),
    ];
  }

  /** The clock: the latest event time seen, or the wall clock's when `advance` moved it later. */
  get clock(): string {
    return this.asOf;
  }

  /** Moves the clock to the wall clock's time (never back): quiet conversations resolve, targets lapse. */
  advance(now: number): ConversationChange[] {
    const iso = new Date(now).toISOString();
    if (iso > this.asOf) this.asOf = iso;
    return this.changes(this.due());
  }

  /** The current record of every conversation kept in memory. */
  *current(): IterableIterator<ConversationV1> {
    for (const list of this.rooms.values()) for (const c of list) yield this.summary(c);
  }

  private changes(candidates: Iterable<Tracked>): ConversationChange[] {
    const out: ConversationChange[] = [];
    for (const conversation of new Set(candidates)) {
      if (conversation.entries.size === 0) continue;
      const value = this.summary(conversation);
      conversation.status = value.status;
      conversation.deadline = this.deadlineOf(value);
      if (conversation.deadline === Infinity) this.timed.delete(conversation);
      else {
        this.timed.add(conversation);
        this.nextDeadline = Math.min(this.nextDeadline, conversation.deadline);
      }
      const text = JSON.stringify(value);
      if (text === conversation.published) continue;
      conversation.published = text;
      out.push({
        conversationId: conversation.conversationId,
        value,
        transitions: this.transitions(conversation, value),
      });
    }
    return out;
  }

  private transitions(conversation: Tracked, value: ConversationV1): ConversationTransitions {
    const before = conversation.shown;
    const now = shownBy(value);
    // Once shown stays shown: a redaction that takes the answer out does not count it twice later.
    conversation.shown = {
      firstResponse: before.firstResponse || now.firstResponse,
      resolved: before.resolved || now.resolved,
      breachedFirstResponse: before.breachedFirstResponse || now.breachedFirstResponse,
      breachedResolution: before.breachedResolution || now.breachedResolution,
      reopened: Math.max(before.reopened, now.reopened),
    };
    return {
      ...(!before.firstResponse &&
        value.firstResponseSeconds !== null && { firstResponseSeconds: value.firstResponseSeconds }),
      ...(!before.resolved && value.resolutionSeconds !== null && { resolutionSeconds: value.resolutionSeconds }),
      breached: [
        ...(!before.breachedFirstResponse && now.breachedFirstResponse ? (['firstResponse'] as const) : []),
        ...(!before.breachedResolution && now.breachedResolution ? (['resolution'] as const) : []),
      ],
      reopened: now.reopened > before.reopened,
    };
  }

  /** Open conversations kept in memory, by channel protocol (a gauge's reading). */
  openByChannel(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const list of this.rooms.values())
      for (const c of list)
        if (c.status === 'open') counts.set(c.channel.protocol, (counts.get(c.channel.protocol) ?? 0) + 1);
    return counts;
  }

  /** Conversations whose deadline the clock has passed. */
  private *due(): IterableIterator<Tracked> {
    const now = ms(this.asOf);
    // Most calls come before any deadline: only then is the set walked (and the next deadline found).
    if (now < this.nextDeadline) return;
    let next = Infinity;
    for (const conversation of this.timed) {
      if (conversation.deadline <= now) yield conversation;
      else next = Math.min(next, conversation.deadline);
    }
    this.nextDeadline = next;
  }

  /** The next moment at which the clock alone changes this record. */
  private deadlineOf(record: ConversationV1): number {
    if (record.status === 'resolved' || record.openedAt === null) return Infinity;
    const opened = ms(record.openedAt);
    const { targets, resolveAfterQuietMinutes } = this.rules;
    const moments: number[] = [];
    if (record.firstResponseSeconds === null && !record.breached.firstResponse)
      moments.push(opened + targets.firstResponseMinutes * 60_000 + 1);
    if (!record.breached.resolution) moments.push(opened + targets.resolutionHours * 3_600_000 + 1);
    const lastAnswer = record.entries.findLast((e) => e.side === 'business');
    if (record.awaitingReplySince === null && lastAnswer !== undefined)
      moments.push(ms(lastAnswer.at) + resolveAfterQuietMinutes * 60_000);
    return Math.min(...moments, Infinity);
  }

  private summary(c: Tracked): ConversationV1 {
    return summarize(c, [...c.entries.values()], this.rules, this.asOf);
  }

  private owner(roomId: string, eventId: string): Tracked | undefined {
    return this.rooms.get(roomId)?.find((c) => c.entries.has(eventId));
  }

  private conversationFor(input: Extract<ConversationInput, { kind: 'label' }>): Tracked {
    const list = this.rooms.get(input.roomId) ?? [];
    const current = list.at(-1);
    if (
      current !== undefined &&
      ms(input.at) - ms(current.lastMessageAt) <= this.rules.gapMinutes * 60_000 &&
      current.entries.size < this.rules.maxMessages
    )
      return current;
    const started: Tracked = {
      conversationId: `${input.roomId}/${input.eventId}`,
      roomId: input.roomId,
      channel: input.channel,
      personKey: input.side === 'customer' ? input.personKey : null,
      followUps: [],
      entries: new Map(),
      lastMessageAt: input.at,
      published: '',
      deadline: Infinity,
      shown: NOTHING_SHOWN,
      status: 'open',
    };
    const kept = [...list, started];
    // The oldest conversation leaves memory (its record stays on the topic).
    for (const gone of kept.splice(0, Math.max(0, kept.length - this.rules.keepPerRoom))) this.timed.delete(gone);
    this.rooms.set(input.roomId, kept);
    return started;
  }

  private forgetConversation(conversation: Tracked): void {
    this.timed.delete(conversation);
    const list = this.rooms.get(conversation.roomId) ?? [];
    this.rooms.set(
      conversation.roomId,
      list.filter((c) => c !== conversation),
    );
  }
}
