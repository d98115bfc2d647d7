import { MatrixEventV1 } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GHOST_RULES,
  DEFAULT_SIDE_RULE,
  normaliseEvent,
  RoomStateCache,
  type ClientEvent,
  type NormaliseContext,
} from '../src/index.ts';
import { AGENT, BOT, bridgeState, CUSTOMER, event, ROOM } from './fixtures.ts';

const context: NormaliseContext = {
  homeserver: 'parley.test',
  identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
  origin: { via: 'appservice', txnId: '1' },
};

async function bridgedRoom() {
  const cache = new RoomStateCache({ maxRooms: 10, maxMembersPerRoom: 10 });
  cache.apply(bridgeState('4915112345678@s.whatsapp.net', 'dm'));
  cache.apply(
    event({ type: 'm.room.member', state_key: CUSTOMER, content: { membership: 'join', displayname: 'Ana (WA)' } }),
  );
  return cache.view(ROOM);
}

async function normalise(e: ClientEvent) {
  const result = normaliseEvent(e, await bridgedRoom(), context);
  expect(MatrixEventV1.parse(result)).toEqual(result);
  return result;
}

describe('normaliseEvent', () => {
  it('tags a text message from a WhatsApp ghost with channel, phone number and customer side', async () => {
    const result = await normalise(
      event({ type: 'm.room.message', content: { msgtype: 'm.text', body: 'Olá, meu pedido?' } }),
    );
    expect(result).toMatchObject({
      kind: 'message',
      channel: {
        protocol: 'whatsapp',
        remoteChatId: '4915112345678@s.whatsapp.net',
        roomType: 'dm',
        bridgeBot: BOT,
        kind: 'dm',
        conversation: true,
      },
      // The bridge's " (WA)" is not part of the customer's name.
      sender: {
        userId: CUSTOMER,
        isBridgeGhost: true,
        remoteUserId: '+4915112345678',
        side: 'customer',
        displayName: 'Ana',
      },
      message: { msgtype: 'm.text', text: 'Olá, meu pedido?' },
    });
  });

  it('puts staff on the business side, and double-puppeted messages too', async () => {
    const staff = await normalise(
      event({ sender: AGENT, type: 'm.room.message', content: { msgtype: 'm.text', body: 'On its way' } }),
    );
    expect(staff.sender).toEqual({ userId: AGENT, isBridgeGhost: false, side: 'business' });
    const puppet = await normalise(
      event({
        sender: '@whatsapp_4930111111:parley.test',
        type: 'm.room.message',
        content: {
          msgtype: 'm.text',
          body: 'sent from the shop phone',
          'fi.mau.double_puppet_source': 'mautrix-whatsapp',
        },
      }),
    );
    expect(puppet.sender.side).toBe('business');
  });

  it('reads an edit as kind edit with the new text and the edited event as relation', async () => {
    const result = await normalise(
      event({
        type: 'm.room.message',
        content: {
          msgtype: 'm.text',
          body: ' * where is my order?',
          'm.new_content': { msgtype: 'm.text', body: 'where is my order?' },
          'm.relates_to': { rel_type: 'm.replace', event_id: '$original' },
        },
      }),
    );
    expect(result).toMatchObject({
      kind: 'edit',
      relation: { type: 'replace', eventId: '$original' },
      message: { text: 'where is my order?' },
    });
  });

  it('reads a reply, dropping the quoted fallback', async () => {
    const result = await normalise(
      event({
        type: 'm.room.message',
        content: {
          msgtype: 'm.text',
          body: '> <@agent:parley.test> On its way\n\nthanks!',
          format: 'org.matrix.custom.html',
          formatted_body: '<mx-reply><blockquote>On its way</blockquote></mx-reply>thanks!',
          'm.relates_to': { 'm.in_reply_to': { event_id: '$asked' } },
        },
      }),
    );
    expect(result).toMatchObject({
      kind: 'message',
      relation: { type: 'reply', eventId: '$asked' },
      message: { text: 'thanks!', formattedBody: 'thanks!' },
    });
  });

  it('reads reactions and redactions (in content for room v11, top-level before)', async () => {
    const reaction = await normalise(
      event({
        type: 'm.reaction',
        content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$msg', key: '👍' } },
      }),
    );
    expect(reaction).toMatchObject({ kind: 'reaction', relation: { type: 'annotation', eventId: '$msg', key: '👍' } });
    const v11 = await normalise(event({ type: 'm.room.redaction', content: { redacts: '$msg' } }));
    const legacy = await normalise(event({ type: 'm.room.redaction', redacts: '$msg2', content: {} }));
    expect([v11.kind, v11.redacts, legacy.redacts]).toEqual(['redaction', '$msg', '$msg2']);
  });

  it('tells a caption from a file name on media', async () => {
    const captioned = await normalise(
      event({
        type: 'm.room.message',
        content: {
          msgtype: 'm.image',
          body: 'the broken box',
          filename: 'IMG_1.jpg',
          url: 'mxc://parley.test/a',
          info: { mimetype: 'image/jpeg' },
        },
      }),
    );
    expect(captioned.message).toEqual({
      msgtype: 'm.image',
      text: 'the broken box',
      fileName: 'IMG_1.jpg',
      mimetype: 'image/jpeg',
      mediaUrl: 'mxc://parley.test/a',
    });
    const bare = await normalise(
      event({ type: 'm.room.message', content: { msgtype: 'm.image', body: 'IMG_2.jpg', url: 'mxc://parley.test/b' } }),
    );
    expect(bare.message).toEqual({ msgtype: 'm.image', fileName: 'IMG_2.jpg', mediaUrl: 'mxc://parley.test/b' });
  });

  it('forwards encrypted events as kind encrypted without the ciphertext', async () => {
    const result = await normalise(
      event({
        type: 'm.room.encrypted',
        content: { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'AwgA…', session_id: 's' },
      }),
    );
    expect(result.kind).toBe('encrypted');
    expect(result.message).toBeUndefined();
    expect(result.raw['content']).toEqual({ algorithm: 'm.megolm.v1.aes-sha2', session_id: 's' });
  });

  it('reads memberships and other state', async () => {
    const join = await normalise(
      event({
        type: 'm.room.member',
        state_key: AGENT,
        sender: AGENT,
        content: { membership: 'join', displayname: 'Agent Smith' },
      }),
    );
    expect(join).toMatchObject({
      kind: 'membership',
      stateKey: AGENT,
      membership: { membership: 'join', target: AGENT, displayName: 'Agent Smith' },
    });
    const topic = await normalise(
      event({ type: 'm.room.topic', state_key: '', content: { topic: 'WhatsApp private chat' } }),
    );
    expect(topic.kind).toBe('state');
  });

  it('tags rooms without bridge state as plain Matrix', async () => {
    const cache = new RoomStateCache({ maxRooms: 10, maxMembersPerRoom: 10 });
    const result = normaliseEvent(
      event({
        room_id: '!plain:parley.test',
        sender: AGENT,
        type: 'm.room.message',
        content: { msgtype: 'm.text', body: 'hi' },
      }),
      await cache.view('!plain:parley.test'),
      context,
    );
    expect(result.channel).toEqual({ protocol: 'matrix', roomType: 'unknown', kind: 'unknown', conversation: true });
  });
});

describe('RoomStateCache', () => {
  it('reports room-level changes, drops bridge info when the bridge state is emptied, and stays bounded', async () => {
    const cache = new RoomStateCache({ maxRooms: 2, maxMembersPerRoom: 10 });
    expect(cache.apply(bridgeState('123@g.us', undefined))?.room.bridge?.channel).toMatchObject({
      protocol: 'whatsapp',
      roomType: 'group',
    });
    expect(
      cache.apply(event({ type: 'm.bridge', state_key: 'parley.test/whatsapp', content: {} }))?.room.bridge,
    ).toBeUndefined();
    // A membership counts (the rooms topic has member counts); the same membership again does not.
    const join = event({ type: 'm.room.member', state_key: CUSTOMER, content: { membership: 'join' } });
    expect(cache.apply(join)).toBeDefined();
    expect(cache.apply(join)).toBeUndefined();
    cache.apply(event({ room_id: '!b:parley.test', type: 'm.room.name', state_key: '', content: { name: 'B' } }));
    cache.apply(event({ room_id: '!c:parley.test', type: 'm.room.name', state_key: '', content: { name: 'C' } }));
    expect(cache.size).toBe(2);
  });

  it('fills a room first seen mid-history from the homeserver, once, as the given user', async () => {
    const calls: [string, string | undefined][] = [];
    const cache = new RoomStateCache({
      maxRooms: 10,
      maxMembersPerRoom: 10,
      fetcher: async (roomId, asUser) => {
        calls.push([roomId, asUser]);
        return [bridgeState('4915112345678@s.whatsapp.net', 'dm')];
      },
    });
    const [a, b] = await Promise.all([cache.view(ROOM, CUSTOMER), cache.view(ROOM, CUSTOMER)]);
    expect(a).toBe(b);
    expect(a.bridge?.channel.roomType).toBe('dm');
    expect(calls).toEqual([[ROOM, CUSTOMER]]);
  });

  it('after a failed read of a room, tries again once the retry interval has passed', async () => {
    let attempts = 0;
    let clock = 0;
    const cache = new RoomStateCache({
      maxRooms: 10,
      maxMembersPerRoom: 10,
      retryFailedAfterMs: 1000,
      now: () => clock,
      fetcher: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('403 M_FORBIDDEN');
        return [bridgeState('1@s.whatsapp.net', 'dm')];
      },
    });
    expect((await cache.view(ROOM)).bridge).toBeUndefined();
    expect((await cache.view(ROOM)).bridge).toBeUndefined();
    expect(attempts).toBe(1);
    clock = 1000;
    expect((await cache.view(ROOM)).bridge?.channel.protocol).toBe('whatsapp');
    expect(attempts).toBe(2);
  });
});
