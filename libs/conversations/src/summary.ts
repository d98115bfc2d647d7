import type { Channel, ConversationMessageV1, ConversationV1 } from '@parley/contracts';
import type { ConversationRules } from './rules.ts';

/** What a conversation is besides its messages. */
export interface ConversationIdentity {
  conversationId: string;
  roomId: string;
  channel: Channel;
  personKey: string | null;
  followUps: readonly string[];
}

const ms = (iso: string) => Date.parse(iso);
const secondsBetween = (from: string, to: string) => Math.max(0, (ms(to) - ms(from)) / 1000);

/** Oldest first; the event id breaks ties so that the order never depends on arrival. */
export function byTime(a: ConversationMessageV1, b: ConversationMessageV1): number {
  return a.at === b.at ? (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0) : a.at < b.at ? -1 : 1;
}

/**
 * A conversation's record, made from its messages alone and the stream's event time (`asOf`): the same
 * messages and the same `asOf` always give the same record, however they arrived.
 */
export function summarize(
  identity: ConversationIdentity,
  entries: readonly ConversationMessageV1[],
  rules: ConversationRules,
  asOf: string,
): ConversationV1 {
  const sorted = [...entries].sort(byTime);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('a conversation has at least one message');
  const quietMs = rules.resolveAfterQuietMinutes * 60_000;
  const closes = (e: ConversationMessageV1) =>
    e.intent !== undefined &&
    e.sentiment !== undefined &&
    rules.closingSignal.intents.includes(e.intent) &&
    rules.closingSignal.sentiments.includes(e.sentiment);

  let openedAt: string | null = null;
  let waitingSince: string | null = null;
  let lastAnswerAt: string | null = null;
  let answered = false;
  let resolvedAt: string | null = null;
  let resolvedBy: ConversationV1['resolvedBy'] = null;
  let reopened = 0;
  const responses: number[] = [];
  let firstResponse: number | null = null;

  for (const entry of sorted) {
    if (entry.side === 'business') {
      if (waitingSince !== null) {
        const wait = secondsBetween(waitingSince, entry.at);
        responses.push(wait);
        firstResponse ??= wait;
        waitingSince = null;
      }
      if (openedAt !== null) answered = true;
      lastAnswerAt = entry.at;
      continue;
    }
    openedAt ??= entry.at;
    // The customer was answered and went quiet: that answer resolved it; this message reopens it.
    if (resolvedAt === null && answered && waitingSince === null && lastAnswerAt !== null) {
      if (ms(entry.at) - ms(lastAnswerAt) >= quietMs) {
        resolvedAt = lastAnswerAt;
        resolvedBy = 'quiet';
      }
    }
    // A thank-you after the resolution confirms it rather than reopening.
    if (resolvedAt !== null && closes(entry)) continue;
    if (resolvedAt !== null) {
      reopened += 1;
      resolvedAt = null;
      resolvedBy = null;
      answered = false;
    }
    if (answered && closes(entry)) {
      resolvedAt = entry.at;
      resolvedBy = 'closing-signal';
      waitingSince = null;
      continue;
    }
    waitingSince ??= entry.at;
  }
  if (resolvedAt === null && answered && waitingSince === null && lastAnswerAt !== null) {
    if (ms(asOf) - ms(lastAnswerAt) >= quietMs) {
      resolvedAt = lastAnswerAt;
      resolvedBy = 'quiet';
    }
  }

  const customer = sorted.filter((e) => e.side === 'customer');
  const business = sorted.length - customer.length;
  const intents: Record<string, number> = {};
  for (const e of customer) if (e.intent !== undefined) intents[e.intent] = (intents[e.intent] ?? 0) + 1;
  const resolution = openedAt !== null && resolvedAt !== null ? secondsBetween(openedAt, resolvedAt) : null;
  const waited = (since: string | null) => (since === null ? 0 : secondsBetween(since, asOf));
  const firstResponseTarget = rules.targets.firstResponseMinutes * 60;
  const resolutionTarget = rules.targets.resolutionHours * 3600;
  return {
    schemaVersion: 1,
    conversationId: identity.conversationId,
    roomId: identity.roomId,
    channel: identity.channel,
    personKey: identity.personKey,
    status: resolvedAt === null ? 'open' : 'resolved',
    startedAt: first.at,
    openedAt,
    lastMessageAt: last.at,
    resolvedAt,
    resolvedBy,
    reopened,
    firstResponseSeconds: firstResponse,
    responseSeconds: responses,
    resolutionSeconds: resolution,
    awaitingReplySince: waitingSince,
    messages: { customer: customer.length, business },
    intents,
    sentiment: sentimentOf(customer, rules.trendThreshold),
    keywords: topKeywords(customer),
    followUps: [...identity.followUps],
    breached: {
      firstResponse:
        firstResponse !== null
          ? firstResponse > firstResponseTarget
          : openedAt !== null && waited(openedAt) > firstResponseTarget,
      resolution:
        openedAt !== null &&
        (resolution !== null ? resolution > resolutionTarget : waited(openedAt) > resolutionTarget),
    },
    entries: sorted,
  };
}

function sentimentOf(customer: readonly ConversationMessageV1[], threshold: number): ConversationV1['sentiment'] {
  const scored = customer.filter((e) => e.score !== undefined);
  const scores = scored.map((e) => e.score ?? 0);
  const start = customer.find((e) => e.sentiment !== undefined)?.sentiment ?? null;
  const end = customer.findLast((e) => e.sentiment !== undefined)?.sentiment ?? null;
  if (scores.length === 0) return { start, end, average: null, trend: null };
  const change = (scores[scores.length - 1] ?? 0) - (scores[0] ?? 0);
  return {
    start,
    end,
    average: Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 1000) / 1000,
    trend: change >= threshold ? 'improving' : change <= -threshold ? 'worsening' : 'steady',
  };
}

/** The ten most frequent keywords; a tie goes to the one said first. */
function topKeywords(customer: readonly ConversationMessageV1[]): string[] {
  const counts = new Map<string, number>();
  for (const e of customer) for (const k of e.keywords) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k]) => k);
}
