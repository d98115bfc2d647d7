import type { ConversationV1 } from '@parley/contracts';
import type { ConversationChange } from '@parley/conversations';
import type { ConversationCrmRecord } from './records.ts';

const minutes = (seconds: number | null) => (seconds === null ? null : Math.round(seconds / 6) / 10);

/**
 * A conversation change as the CRM keeps it: the metrics without the message list. A tombstone (the
 * conversation lost its last message, or its person was erased) becomes a removal.
 */
export function crmConversation(
  change: ConversationChange,
  roomName: (roomId: string) => string,
): ConversationCrmRecord {
  const value = change.value;
  if (value === null) return { externalId: change.conversationId, removed: true };
  return {
    externalId: value.conversationId,
    removed: false,
    channel: value.channel.protocol,
    roomId: value.roomId,
    room: roomName(value.roomId),
    contactKey: value.personKey,
    status: value.status,
    openedAt: value.openedAt,
    lastMessageAt: value.lastMessageAt,
    resolvedAt: value.resolvedAt,
    firstResponseMinutes: minutes(value.firstResponseSeconds),
    resolutionMinutes: minutes(value.resolutionSeconds),
    customerMessages: value.messages.customer,
    businessMessages: value.messages.business,
    intents: intentsByCount(value),
    sentimentStart: value.sentiment.start,
    sentimentEnd: value.sentiment.end,
    averageSentiment: value.sentiment.average,
    sentimentTrend: value.sentiment.trend,
    keywords: value.keywords,
    followUpRaised: value.followUps.length > 0,
    firstResponseBreached: value.breached.firstResponse,
    resolutionBreached: value.breached.resolution,
    reopened: value.reopened,
  };
}

/** Most frequent first; ties by name, so the order never depends on arrival. */
function intentsByCount(value: ConversationV1): string[] {
  return Object.entries(value.intents)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .map(([intent]) => intent);
}

/** Which conversation each message of the changes belongs to (the latest change wins). */
export function conversationOfMessages(changes: readonly ConversationChange[]): Map<string, string> {
  const owner = new Map<string, string>();
  for (const { conversationId, value } of changes)
    for (const entry of value?.entries ?? []) owner.set(entry.eventId, conversationId);
  return owner;
}
