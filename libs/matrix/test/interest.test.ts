import { describe, expect, it } from 'vitest';
import { AppserviceInterest } from '../src/recovery/interest.ts';

const ghost = '@whatsapp_4915100000001:x';
const otherGhost = '@whatsapp_4915100000002:x';
const bot = '@whatsappbot:x';
const agent = '@agent:x';
const ours = (userId: string) => userId.startsWith('@whatsapp_');

const event = (id: string, sender: string, type: string, extra: Record<string, unknown> = {}) => ({
  event_id: id,
  sender,
  type,
  ...extra,
});
const member = (id: string, sender: string, stateKey: string, membership: string, previous?: string) =>
  event(id, sender, 'm.room.member', {
    state_key: stateKey,
    content: { membership },
    ...(previous === undefined ? {} : { unsigned: { prev_content: { membership: previous } } }),
  });

/** The ids the homeserver would have sent, reading newest first as catch-up does. */
const sent = (oldestFirst: ReturnType<typeof event>[], joinedAfter: string[]) => {
  const interest = new AppserviceInterest(ours, joinedAfter);
  return [...oldestFirst]
    .reverse()
    .filter((e) => interest.sentToAppservice(e))
    .map((e) => e.event_id)
    .reverse();
};

describe('AppserviceInterest (which history events the homeserver sent to the appservice)', () => {
  it("leaves out a portal's set-up before the first ghost joined, and keeps everything after", () => {
    const history = [
      event('$create', bot, 'm.room.create', { state_key: '' }),
      member('$bot-join', bot, bot, 'join'),
      event('$power', bot, 'm.room.power_levels', { state_key: '' }),
      event('$bridge', bot, 'm.bridge', { state_key: 'whatsapp' }),
      member('$invite', bot, ghost, 'invite'),
      member('$ghost-join', ghost, ghost, 'join', 'invite'),
      event('$hello', ghost, 'm.room.message'),
      event('$reply', agent, 'm.room.message'),
    ];
    expect(sent(history, [ghost])).toEqual(['$invite', '$ghost-join', '$hello', '$reply']);
  });

  it('drops what happened while no namespaced user was joined, and keeps what a second ghost saw', () => {
    const history = [
      member('$ghost-join', ghost, ghost, 'join'),
      event('$during', agent, 'm.room.message'),
      member('$ghost-leave', ghost, ghost, 'leave', 'join'),
      event('$alone', agent, 'm.room.message'),
      member('$other-join', otherGhost, otherGhost, 'join'),
      event('$back', agent, 'm.room.message'),
    ];
    expect(sent(history, [otherGhost])).toEqual(['$ghost-join', '$during', '$ghost-leave', '$other-join', '$back']);
  });

  it('learns from a ghost sending that it was joined then, even when nobody said so', () => {
    const history = [
      event('$before', agent, 'm.room.message'),
      event('$ghost-says', ghost, 'm.room.message'),
      event('$after', agent, 'm.room.message'),
    ];
    // No membership event in sight: the ghost's message proves it was joined before it. After it,
    // with nobody known to be joined, the conservative answer is no.
    expect(sent(history, [])).toEqual(['$before', '$ghost-says']);
  });
});
