import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ConversationChange } from './tracker.ts';

/** Seconds, from a minute to two days: chat support answers in minutes and resolves in hours. */
const BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800];

export interface ConversationMetrics {
  /** Counts what the changes did for the first time (each conversation is measured once). */
  observe(changes: readonly ConversationChange[]): void;
}

/**
 * The conversations' Prometheus metrics, by channel: first response and resolution times (histograms:
 * percentiles in Grafana), targets missed, reopenings, and open conversations read at each scrape.
 */
export function conversationMetrics(registry: Registry, openByChannel: () => Map<string, number>): ConversationMetrics {
  const firstResponse = new Histogram({
    name: 'parley_conversation_first_response_seconds',
    help: 'First business reply after the first customer message, by channel',
    labelNames: ['channel'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const resolution = new Histogram({
    name: 'parley_conversation_resolution_seconds',
    help: 'First customer message to resolution, by channel',
    labelNames: ['channel'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const breached = new Counter({
    name: 'parley_conversation_targets_breached_total',
    help: 'Conversations that missed a target (first_response, resolution), by channel',
    labelNames: ['channel', 'target'],
    registers: [registry],
  });
  const reopened = new Counter({
    name: 'parley_conversation_reopened_total',
    help: 'Customers coming back after a resolution, by channel',
    labelNames: ['channel'],
    registers: [registry],
  });
  new Gauge({
    name: 'parley_conversations_open',
    help: 'Open conversations the sink holds, by channel',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [channel, count] of openByChannel()) this.set({ channel }, count);
    },
  });
  return {
    observe(changes) {
      for (const { value, transitions } of changes) {
        if (value === null || transitions === undefined) continue;
        const channel = value.channel.protocol;
        if (transitions.firstResponseSeconds !== undefined)
          firstResponse.observe({ channel }, transitions.firstResponseSeconds);
        if (transitions.resolutionSeconds !== undefined) resolution.observe({ channel }, transitions.resolutionSeconds);
        for (const target of transitions.breached)
          breached.inc({ channel, target: target === 'firstResponse' ? 'first_response' : 'resolution' });
        if (transitions.reopened) reopened.inc({ channel });
      }
    },
  };
}
