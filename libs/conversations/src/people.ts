import type { ConversationV1 } from '@parley/contracts';
import type { PeopleRules, SegmentCondition } from './people-rules.ts';
import type { ConversationChange } from './tracker.ts';

/** What a person's rollup keeps of one conversation. */
interface Digest {
  startedAt: string;
  lastMessageAt: string;
  open: boolean;
  firstResponseSeconds: number | null;
  averageSentiment: number | null;
  customerMessages: number;
  riskMessages: number;
  purchaseMessages: number;
  /** The conversation's last message (for a task's link). */
  roomId: string;
  lastEventId: string;
}

/** A person across their conversations; written onto their CRM contact. */
export interface PersonRollup {
  personKey: string;
  firstContactAt: string;
  lastContactAt: string;
  conversations: number;
  messages: number;
  openConversations: number;
  medianFirstResponseSeconds: number | null;
  averageSentiment: number | null;
  sentimentTrend: 'improving' | 'worsening' | 'steady' | null;
  riskMessages: number;
  purchaseMessages: number;
  openRisk: boolean;
  /** 0–100; the formula is in apps/crm-sink/README.md ("People"). */
  engagementScore: number;
  segment: string;
}

/** A person who entered the retention segment, with the conversation that put them there. */
export interface SegmentEntry {
  personKey: string;
  segment: string;
  from: string | null;
  roomId: string;
  eventId: string;
  at: string;
}

const DAY_MS = 86_400_000;
const ms = (iso: string) => Date.parse(iso);
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Rollups per person from their conversations, re-made whenever one of them changes; each is a function
 * of the person's conversations and the clock, so a replay gives the same rollups and segments.
 */
export class PeopleLedger {
  private readonly rules: PeopleRules;
  private readonly people = new Map<string, Map<string, Digest>>();
  private readonly ownerOf = new Map<string, string>();
  /** Conversations by their contact (the channel's customer), for moving them when people merge. */
  private readonly byContact = new Map<string, Map<string, Digest>>();
  private readonly contactOf = new Map<string, string>();
  private readonly personOf: (contactKey: string) => string;
  private readonly segments = new Map<string, string>();
  private readonly scores = new Map<string, number>();
  private sweptDay = '';

  /**
   * `personOf` names the person a contact belongs to (one person across channels); by default each
   * contact is its own person.
   */
  constructor(
    rules: PeopleRules,
    restored: Iterable<ConversationV1> = [],
    asOf = new Date(0).toISOString(),
    personOf: (contactKey: string) => string = (contactKey) => contactKey,
  ) {
    this.rules = rules;
    this.personOf = personOf;
    const touched = new Set<string>();
    for (const conversation of restored) {
      const person = this.record(conversation.conversationId, conversation);
      if (person !== undefined) touched.add(person);
    }
    // Restored segments are the starting point: entering one is only reported for later changes.
    for (const person of touched) {
      const rollup = this.rollup(person, asOf);
      this.segments.set(person, rollup.segment);
      this.scores.set(person, rollup.engagementScore);
    }
  }

  /** Rollups of the people whose conversations changed, and who entered the retention segment. */
  update(changes: readonly ConversationChange[], asOf: string): { rollups: PersonRollup[]; entered: SegmentEntry[] } {
    const touched = new Map<string, ConversationV1 | null>();
    for (const { conversationId, value } of changes) {
      const before = this.ownerOf.get(conversationId);
      const after = this.record(conversationId, value);
      if (before !== undefined) touched.set(before, touched.get(before) ?? null);
      // The cause of a segment change is the person's latest conversation that changed.
      const cause = after === undefined ? undefined : touched.get(after);
      if (after !== undefined && value !== null && (!cause || value.lastMessageAt >= cause.lastMessageAt))
        touched.set(after, value);
    }
    const rollups: PersonRollup[] = [];
    const entered: SegmentEntry[] = [];
    for (const [person, cause] of touched) {
      if (!this.people.has(person)) {
        // Every conversation of theirs is gone (redacted, or erased).
        this.segments.delete(person);
        this.scores.delete(person);
        continue;
      }
      const rollup = this.rollup(person, asOf);
      rollups.push(rollup);
      const previous = this.segments.get(person) ?? null;
      this.segments.set(person, rollup.segment);
      this.scores.set(person, rollup.engagementScore);
      const retention = this.rules.retention;
      if (retention && rollup.segment === retention.segment && previous !== retention.segment && cause) {
        const last = cause.entries.at(-1);
        if (last !== undefined)
          entered.push({
            personKey: person,
            segment: rollup.segment,
            from: previous,
            roomId: cause.roomId,
            eventId: last.eventId,
            at: cause.lastMessageAt,
          });
      }
    }
    return { rollups, entered };
  }

  /**
   * Contacts that joined or left a person (a merge, or its reversal): their conversations move, and the
   * rollups of every person involved are made again. A merge raises no retention task: no conversation
   * changed.
   */
  regroup(moves: readonly { contactKey: string; from: string; to: string }[], asOf: string): PersonRollup[] {
    const touched = new Set<string>();
    for (const { contactKey, from, to } of moves) {
      touched.add(from);
      touched.add(to);
      for (const [conversationId, digest] of this.byContact.get(contactKey) ?? []) {
        const owner = this.ownerOf.get(conversationId);
        const old = owner === undefined ? undefined : this.people.get(owner);
        old?.delete(conversationId);
        if (owner !== undefined && old?.size === 0) this.people.delete(owner);
        const digests = this.people.get(to) ?? new Map<string, Digest>();
        digests.set(conversationId, digest);
        this.people.set(to, digests);
        this.ownerOf.set(conversationId, to);
      }
    }
    const rollups: PersonRollup[] = [];
    for (const person of [...touched].sort()) {
      if (!this.people.has(person)) {
        this.segments.delete(person);
        this.scores.delete(person);
        continue;
      }
      const rollup = this.rollup(person, asOf);
      this.segments.set(person, rollup.segment);
      this.scores.set(person, rollup.engagementScore);
      rollups.push(rollup);
    }
    return rollups;
  }

  /**
   * Once per day of the clock, every person again: segments and scores that time alone changes (a person
   * gone dormant, recency fading). Returns the rollups whose segment or score moved.
   */
  sweep(asOf: string): PersonRollup[] {
    const day = asOf.slice(0, 10);
    if (day === this.sweptDay) return [];
    this.sweptDay = day;
    const moved: PersonRollup[] = [];
    for (const person of this.people.keys()) {
      const rollup = this.rollup(person, asOf);
      if (rollup.segment === this.segments.get(person) && rollup.engagementScore === this.scores.get(person)) continue;
      this.segments.set(person, rollup.segment);
      this.scores.set(person, rollup.engagementScore);
      moved.push(rollup);
    }
    return moved;
  }

  /** Files a conversation under its person (or removes it); returns the person it is now under. */
  private record(conversationId: string, value: ConversationV1 | null): string | undefined {
    const before = this.ownerOf.get(conversationId);
    if (before !== undefined) {
      const digests = this.people.get(before);
      digests?.delete(conversationId);
      if (digests?.size === 0) this.people.delete(before);
      this.ownerOf.delete(conversationId);
    }
    const contact = this.contactOf.get(conversationId);
    const previous = contact === undefined ? undefined : this.byContact.get(contact);
    if (contact !== undefined && previous?.delete(conversationId) && previous.size === 0)
      this.byContact.delete(contact);
    this.contactOf.delete(conversationId);
    if (value === null || value.personKey === null || value.openedAt === null) return undefined;
    const { purchaseIntents, riskIntents } = this.rules;
    const count = (intents: readonly string[]) =>
      Object.entries(value.intents).reduce((n, [intent, c]) => (intents.includes(intent) ? n + c : n), 0);
    const last = value.entries.at(-1);
    const person = this.personOf(value.personKey);
    const digests = this.people.get(person) ?? new Map<string, Digest>();
    const digest: Digest = {
      startedAt: value.openedAt,
      lastMessageAt: value.lastMessageAt,
      open: value.status === 'open',
      firstResponseSeconds: value.firstResponseSeconds,
      averageSentiment: value.sentiment.average,
      customerMessages: value.messages.customer,
      riskMessages: count(riskIntents),
      purchaseMessages: count(purchaseIntents),
      roomId: value.roomId,
      lastEventId: last?.eventId ?? '',
    };
    digests.set(conversationId, digest);
    this.people.set(person, digests);
    this.ownerOf.set(conversationId, person);
    const ofContact = this.byContact.get(value.personKey) ?? new Map<string, Digest>();
    ofContact.set(conversationId, digest);
    this.byContact.set(value.personKey, ofContact);
    this.contactOf.set(conversationId, value.personKey);
    return person;
  }

  private rollup(person: string, asOf: string): PersonRollup {
    const digests = [...(this.people.get(person)?.values() ?? [])].sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
    const first = digests[0]?.startedAt ?? asOf;
    const last = digests.reduce((max, d) => (d.lastMessageAt > max ? d.lastMessageAt : max), first);
    const responses = digests.flatMap((d) => (d.firstResponseSeconds === null ? [] : [d.firstResponseSeconds]));
    const recent = digests
      .slice(-this.rules.trendConversations)
      .flatMap((d) => (d.averageSentiment === null ? [] : [d.averageSentiment]));
    const average = recent.length === 0 ? null : round(recent.reduce((a, b) => a + b, 0) / recent.length);
    const change = recent.length < 2 ? 0 : (recent.at(-1) ?? 0) - (recent[0] ?? 0);
    const trend = recent.length === 0 ? null : change >= 0.25 ? 'improving' : change <= -0.25 ? 'worsening' : 'steady';
    const risk = digests.reduce((n, d) => n + d.riskMessages, 0);
    const purchase = digests.reduce((n, d) => n + d.purchaseMessages, 0);
    const rollup: Omit<PersonRollup, 'segment'> = {
      personKey: person,
      firstContactAt: first,
      lastContactAt: last,
      conversations: digests.length,
      messages: digests.reduce((n, d) => n + d.customerMessages, 0),
      openConversations: digests.filter((d) => d.open).length,
      medianFirstResponseSeconds: median(responses),
      averageSentiment: average,
      sentimentTrend: trend,
      riskMessages: risk,
      purchaseMessages: purchase,
      openRisk: digests.some((d) => d.open && d.riskMessages > 0),
      engagementScore: engagementScore({
        daysSinceLastContact: Math.max(0, (ms(asOf) - ms(last)) / DAY_MS),
        purchaseMessages: purchase,
        conversations: digests.length,
        averageSentiment: average,
        riskMessages: risk,
      }),
    };
    return { ...rollup, segment: this.segmentOf(rollup, asOf) };
  }

  private segmentOf(rollup: Omit<PersonRollup, 'segment'>, asOf: string): string {
    const days = (iso: string) => Math.max(0, (ms(asOf) - ms(iso)) / DAY_MS);
    const holds = (c: SegmentCondition) =>
      (c.conversationsAtLeast === undefined || rollup.conversations >= c.conversationsAtLeast) &&
      (c.conversationsAtMost === undefined || rollup.conversations <= c.conversationsAtMost) &&
      (c.daysSinceFirstContactAtMost === undefined || days(rollup.firstContactAt) <= c.daysSinceFirstContactAtMost) &&
      (c.daysSinceLastContactAtLeast === undefined || days(rollup.lastContactAt) >= c.daysSinceLastContactAtLeast) &&
      (c.averageSentimentAtLeast === undefined || (rollup.averageSentiment ?? 0) >= c.averageSentimentAtLeast) &&
      (c.averageSentimentAtMost === undefined || (rollup.averageSentiment ?? 0) <= c.averageSentimentAtMost) &&
      (c.sentimentTrend === undefined ||
        (rollup.sentimentTrend !== null && c.sentimentTrend.includes(rollup.sentimentTrend))) &&
      (c.openRisk === undefined || rollup.openRisk === c.openRisk) &&
      (c.engagementAtLeast === undefined || rollup.engagementScore >= c.engagementAtLeast) &&
      (c.engagementAtMost === undefined || rollup.engagementScore <= c.engagementAtMost);
    return this.rules.segments.find((rule) => holds(rule.when))?.segment ?? 'none';
  }
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Engagement, 0–100, from signals rather than invented money:
 *   100 × (0.35·recency + 0.25·purchase + 0.20·frequency + 0.20·sentiment) − 15·risk, clamped to 0–100
 * recency = 0.5^(days since last contact / 30); purchase = min(1, purchase-intent messages / 3);
 * frequency = min(1, conversations / 6); sentiment = (average sentiment + 1) / 2 (0.5 when unknown);
 * risk = min(1, complaint, cancellation and refund messages / 3).
 */
export function engagementScore(signals: {
  daysSinceLastContact: number;
  purchaseMessages: number;
  conversations: number;
  averageSentiment: number | null;
  riskMessages: number;
}): number {
  const recency = 0.5 ** (signals.daysSinceLastContact / 30);
  const purchase = Math.min(1, signals.purchaseMessages / 3);
  const frequency = Math.min(1, signals.conversations / 6);
  const sentiment = signals.averageSentiment === null ? 0.5 : (signals.averageSentiment + 1) / 2;
  const risk = Math.min(1, signals.riskMessages / 3);
  const score = 100 * (0.35 * recency + 0.25 * purchase + 0.2 * frequency + 0.2 * sentiment) - 15 * risk;
  return Math.round(Math.min(100, Math.max(0, score)));
}
