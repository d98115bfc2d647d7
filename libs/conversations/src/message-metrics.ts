import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConversationInput } from './tracker.ts';

const DAY_MS = 86_400_000;
/** Keywords shown: the week's most frequent. A fixed number keeps the series bounded. */
const TOP_KEYWORDS = 20;
const WEEK_DAYS = 7;

export interface MessageMetrics {
  observe(inputs: readonly ConversationInput[]): void;
}

/**
 * What customers write about, for the dashboard: customer messages by channel, intent and sentiment (a
 * counter: sentiment by day and top intents are queries over it), and the week's top keywords (a gauge
 * of the 20 most frequent over the last seven days of event time, read at each scrape). Keywords are
 * not a label of the counter: their number has no bound.
 */
export function messageMetrics(registry: Registry): MessageMetrics {
  const messages = new Counter({
    name: 'parley_customer_messages_total',
    help: 'Labelled customer messages, by channel, intent and sentiment',
    labelNames: ['channel', 'intent', 'sentiment'],
    registers: [registry],
  });
  const days = new Map<number, Map<string, number>>();
  let latestDay = 0;
  new Gauge({
    name: 'parley_keyword_messages_week',
    help: `Customer messages with each of the ${String(TOP_KEYWORDS)} most frequent keywords over the last 7 days (event time)`,
    labelNames: ['keyword'],
    registers: [registry],
    collect() {
      this.reset();
      const week = new Map<string, number>();
      for (const [day, counts] of days)
        if (day > latestDay - WEEK_DAYS)
          for (const [keyword, n] of counts) week.set(keyword, (week.get(keyword) ?? 0) + n);
      const top = [...week].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).slice(0, TOP_KEYWORDS);
      for (const [keyword, n] of top) this.set({ keyword }, n);
    },
  });
  return {
    observe(inputs) {
      for (const input of inputs) {
        if (input.kind !== 'label' || input.side !== 'customer') continue;
        messages.inc({
          channel: input.channel.protocol,
          intent: input.intent,
          sentiment: input.sentiment ?? 'unknown',
        });
        const day = Math.floor(Date.parse(input.at) / DAY_MS);
        if (day <= latestDay - WEEK_DAYS) continue;
        if (day > latestDay) {
          latestDay = day;
          for (const old of days.keys()) if (old <= latestDay - WEEK_DAYS) days.delete(old);
        }
        const counts = days.get(day) ?? new Map<string, number>();
        for (const keyword of new Set(input.keywords)) counts.set(keyword, (counts.get(keyword) ?? 0) + 1);
        days.set(day, counts);
      }
    },
  };
}
