import { fileURLToPath } from 'node:url';
import type { LabelV1, MatrixEventV1, RetractionV1, Sentiment } from '@parley/contracts';
import { uniqueName } from './unique.ts';

let sequence = 0;

/**
 * A valid normalised event (a WhatsApp customer's text message by default), for tests of what
 * consumes the events topic. Every call gets a new event id and a later timestamp.
 */
export function sampleMatrixEvent(partial: Partial<MatrixEventV1> = {}): MatrixEventV1 {
  sequence += 1;
  const ts = 1_764_000_000_000 + sequence;
  return {
    schemaVersion: 1,
    eventId: `$${uniqueName('e')}`,
    roomId: '!room:parley.test',
    homeserver: 'parley.test',
    type: 'm.room.message',
    kind: 'message',
    sender: {
      userId: '@whatsapp_4915100000001:parley.test',
      isBridgeGhost: true,
      remoteUserId: '+4915100000001',
      side: 'customer',
    },
    originServerTs: ts,
    time: new Date(ts).toISOString(),
    channel: { protocol: 'whatsapp', roomType: 'dm' },
    origin: { via: 'appservice' },
    raw: {},
    ...partial,
  };
}

export interface SampleLabelOptions {
  roomId?: string;
  eventId?: string;
  keywords?: string[];
  /** A WhatsApp customer (+49151…) by default; 'business' is an agent's reply. */
  from?: { phone: string; name?: string } | 'business';
  sentAt?: string;
  text?: string;
  intent?: string;
  sentiment?: Sentiment;
  confidence?: number;
}

/** A valid label of a WhatsApp DM message, for tests of what consumes the classifications topic. */
export function sampleLabel(options: SampleLabelOptions = {}): LabelV1 {
  sequence += 1;
  const from = options.from ?? { phone: '+4915100000001', name: 'Anna Schmidt' };
  const sender =
    from === 'business'
      ? { userId: '@agent:parley.test', displayName: 'Agent', isBridgeGhost: false, side: 'business' as const }
      : {
          userId: `@whatsapp_${from.phone.slice(1)}:parley.test`,
          ...(from.name === undefined ? {} : { displayName: from.name }),
          isBridgeGhost: true,
          remoteUserId: from.phone,
          side: 'customer' as const,
        };
  const eventId = options.eventId ?? `$${uniqueName('e')}`;
  const sentAt = options.sentAt ?? new Date(1_764_000_000_000 + sequence * 1000).toISOString();
  const confidence = options.confidence ?? 0.9;
  return {
    schemaVersion: 1,
    kind: 'label',
    id: `${eventId}/label`,
    sourceEventId: eventId,
    message: {
      eventId,
      roomId: options.roomId ?? '!room:parley.test',
      sender,
      channel: { protocol: 'whatsapp', roomType: 'dm' },
      sentAt,
      msgtype: 'm.text',
      text: options.text ?? 'Hello, where is my order?',
    },
    classifiedAt: sentAt,
    intent: { label: options.intent ?? 'order_status', confidence },
    sentiment: {
      label: options.sentiment ?? 'neutral',
      score: options.sentiment === 'negative' ? -0.6 : options.sentiment === 'positive' ? 0.6 : 0,
      confidence,
    },
    language: 'en',
    keywords: options.keywords ?? [],
    lineage: {
      backend: 'baseline',
      model: 'baseline',
      modelDigest: 'test',
      promptVersion: 'p3',
      taxonomy: 'customer-default',
      taxonomyVersion: '1',
    },
  };
}

/** The retraction the classifier emits when a labelled message is redacted. */
export function sampleRetraction(label: LabelV1, redactionEventId = `$${uniqueName('r')}`): RetractionV1 {
  return {
    schemaVersion: 1,
    kind: 'retraction',
    id: `${redactionEventId}/retraction`,
    sourceEventId: redactionEventId,
    message: label.message,
    classifiedAt: new Date(Date.parse(label.message.sentAt) + 60_000).toISOString(),
  };
}

/** A file of rooms the real mautrix-whatsapp v0.2608.0 made (see fixtures/mautrix-whatsapp-v0.2608.0). */
export const capturedRoomsPath = (file: 'rooms-a.json' | 'rooms-b.json'): string =>
  fileURLToPath(new URL(`../fixtures/mautrix-whatsapp-v0.2608.0/${file}`, import.meta.url));
