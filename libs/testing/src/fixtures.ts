import type { MatrixEventV1 } from '@parley/contracts';
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
