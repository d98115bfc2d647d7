import { MatrixEventV1 } from '@parley/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  normaliseEvent,
  parseClientEvent,
  RoomStateCache,
  type NormaliseContext,
} from '../src/index.ts';

const context: NormaliseContext = {
  homeserver: 'parley.test',
  identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
  origin: { via: 'appservice' },
};

const json = fc.jsonValue({ maxDepth: 3 });
const contentField = fc.oneof(
  json,
  fc.record(
    {
      rel_type: fc.oneof(fc.constant('m.replace'), fc.constant('m.annotation'), fc.constant('m.thread'), fc.string()),
      event_id: fc.oneof(fc.constant('$x'), fc.string(), json),
      key: json,
      'm.in_reply_to': json,
    },
    { requiredKeys: [] },
  ),
);
const plausibleEvent = fc.record(
  {
    event_id: fc.oneof(
      fc.constant('$e'),
      fc.string().map((s) => `$${s}`),
      json,
    ),
    room_id: fc.oneof(
      fc.constant('!r:hs'),
      fc.string().map((s) => `!${s}`),
      json,
    ),
    sender: fc.oneof(fc.constant('@whatsapp_4915112345678:hs'), fc.constant('@a:hs'), fc.string(), json),
    type: fc.oneof(
      ...[
        'm.room.message',
        'm.reaction',
        'm.room.redaction',
        'm.room.member',
        'm.room.encrypted',
        'm.bridge',
        'm.sticker',
        'm.room.name',
      ].map((t) => fc.constant(t)),
      fc.string(),
    ),
    origin_server_ts: fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer(), fc.double(), json),
    state_key: fc.oneof(fc.string(), json),
    redacts: fc.oneof(fc.string(), json),
    content: fc.oneof(
      fc.dictionary(
        fc.oneof(
          ...[
            'msgtype',
            'body',
            'filename',
            'url',
            'm.relates_to',
            'm.new_content',
            'formatted_body',
            'membership',
            'displayname',
            'protocol',
            'channel',
            'redacts',
            'ciphertext',
            'info',
            'geo_uri',
          ].map((k) => fc.constant(k)),
          fc.string(),
        ),
        contentField,
      ),
      json,
    ),
  },
  { requiredKeys: [] },
);

describe('normalisation boundary (property-based)', () => {
  it('never throws on any input, and whatever it accepts is a valid MatrixEventV1', async () => {
    const cache = new RoomStateCache({ maxRooms: 50, maxMembersPerRoom: 50 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(plausibleEvent, fc.anything()), async (raw) => {
        const parsed = parseClientEvent(raw);
        if (!parsed.ok) {
          expect(parsed.error.length).toBeGreaterThan(0);
          return;
        }
        cache.apply(parsed.event);
        const normalised = normaliseEvent(parsed.event, await cache.view(parsed.event.room_id), context);
        const check = MatrixEventV1.safeParse(normalised);
        expect(check.success, JSON.stringify(check.error?.issues)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
