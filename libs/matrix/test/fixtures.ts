import type { ClientEvent } from '../src/index.ts';

export const ROOM = '!portal:parley.test';
export const CUSTOMER = '@whatsapp_4915112345678:parley.test';
export const AGENT = '@agent:parley.test';
export const BOT = '@whatsappbot:parley.test';

let counter = 0;
export function event(partial: Partial<ClientEvent> & Pick<ClientEvent, 'type' | 'content'>): ClientEvent {
  counter += 1;
  return {
    event_id: `$event${counter}`,
    room_id: ROOM,
    sender: CUSTOMER,
    origin_server_ts: 1_764_000_000_000 + counter,
    ...partial,
  };
}

/** An m.bridge state event shaped like mautrix-whatsapp's (bridgev2 getBridgeInfo). */
export function bridgeState(chatId: string, roomType: 'dm' | 'group_dm' | undefined): ClientEvent {
  return event({
    type: 'm.bridge',
    sender: BOT,
    state_key: 'parley.test/whatsapp',
    content: {
      bridgebot: BOT,
      creator: BOT,
      protocol: { id: 'whatsapp', displayname: 'WhatsApp', external_url: 'https://www.whatsapp.com/' },
      channel: { id: chatId, displayname: 'Ana', 'fi.mau.receiver': '4930111111' },
      ...(roomType && { 'com.beeper.room_type': roomType === 'dm' ? 'dm' : '', 'com.beeper.room_type.v2': roomType }),
    },
  });
}
