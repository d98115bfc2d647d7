import type { ClassificationV1, MatrixEventV1 } from '../src/index.ts';

export const textMessage: MatrixEventV1 = {
  schemaVersion: 1,
  eventId: '$abc123',
  roomId: '!room:parley.test',
  homeserver: 'parley.test',
  type: 'm.room.message',
  kind: 'message',
  sender: {
    userId: '@whatsapp_4915112345678:parley.test',
    displayName: 'Ana (WA)',
    isBridgeGhost: true,
    remoteUserId: '+4915112345678',
    side: 'customer',
  },
  originServerTs: 1_764_000_000_000,
  time: new Date(1_764_000_000_000).toISOString(),
  channel: { protocol: 'whatsapp', remoteChatId: '4915112345678@s.whatsapp.net', roomType: 'dm' },
  message: { msgtype: 'm.text', text: 'Where is my order?' },
  origin: { via: 'appservice', txnId: '42' },
  raw: { type: 'm.room.message', content: { msgtype: 'm.text', body: 'Where is my order?' } },
};

export const label: ClassificationV1 = {
  schemaVersion: 1,
  id: '$abc123/$abc123',
  kind: 'label',
  sourceEventId: '$abc123',
  message: {
    eventId: '$abc123',
    roomId: '!room:parley.test',
    sender: textMessage.sender,
    channel: textMessage.channel,
    sentAt: textMessage.time,
    msgtype: 'm.text',
    text: 'Where is my order?',
  },
  intent: { label: 'order_status', confidence: 0.9 },
  sentiment: { label: 'neutral', score: 0, confidence: 0.8 },
  language: 'en',
  keywords: ['order'],
  lineage: {
    backend: 'llm',
    model: 'gemma3-270m',
    modelDigest: 'sha256:0',
    promptVersion: 'p1',
    taxonomy: 'customer-default',
    taxonomyVersion: '1',
  },
  classifiedAt: new Date(1_764_000_001_000).toISOString(),
};
