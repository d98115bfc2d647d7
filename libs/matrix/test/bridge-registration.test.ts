import { describe, expect, it } from 'vitest';
import { DEFAULT_SIDE_RULE, identifySender, readBridgeRegistration } from '../src/index.ts';

const registration = (template: string, bot = 'whatsappbot') => `
id: whatsapp
url: http://mautrix-whatsapp:29318
as_token: a
hs_token: h
sender_localpart: ${bot}
rate_limited: false
namespaces:
  users:
    - regex: ^@${bot}:example\\.org$
      exclusive: true
    - regex: ^@${template}:example\\.org$
      exclusive: true
`;

describe('a bridge’s registration file', () => {
  it.each([
    ['whatsapp_.*', '@whatsapp_4915112345678:example.org'],
    ['_whatsapp_.*', '@_whatsapp_4915112345678:example.org'],
    ['wa-.+', '@wa-4915112345678:example.org'],
  ])('turns the ghost namespace %s into a ghost rule that reads the number', (template, ghost) => {
    const bridge = readBridgeRegistration(registration(template));
    expect(bridge.protocol).toBe('whatsapp');
    expect(bridge.userRegexes).toHaveLength(2);
    const sender = identifySender(ghost, { ghostRules: [bridge.ghostRule], sideRule: DEFAULT_SIDE_RULE });
    expect(sender).toMatchObject({ isBridgeGhost: true, remoteUserId: '+4915112345678', side: 'customer' });
    // The bot is not a ghost.
    expect(
      identifySender('@whatsappbot:example.org', { ghostRules: [bridge.ghostRule], sideRule: DEFAULT_SIDE_RULE })
        .isBridgeGhost,
    ).toBe(false);
  });

  it('names what is wrong with a file that is not a bridge registration', () => {
    expect(() =>
      readBridgeRegistration('id: x\nsender_localpart: bot\nnamespaces: {users: [{regex: "^@bot:x$"}]}', 'reg.yaml'),
    ).toThrow(/reg.yaml has no ghost namespace/);
    expect(() => readBridgeRegistration('- not a mapping', 'reg.yaml')).toThrow(/reg.yaml/);
  });
});
