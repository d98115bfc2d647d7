// `parley-ingest inspect` over the rooms the real mautrix-whatsapp v0.2608.0 made (libs/testing/fixtures).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MatrixEventV1 } from '@parley/contracts';
import { capturedRoomsPath } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import { inspectCommand } from '../src/inspect-command.ts';

interface Contact {
  key: string;
  whatsappId?: string;
  whatsappLid?: string;
  firstName?: string;
  lastName?: string;
}
type Line = MatrixEventV1 & {
  crm?: { record: boolean; direction?: string; contact?: Contact | null; reason?: string };
};

async function inspect(file: string, crm = true): Promise<{ code: number; lines: Line[] }> {
  const lines: Line[] = [];
  const code = await inspectCommand(crm ? [file, '--crm'] : [file], (line) => lines.push(JSON.parse(line) as Line));
  return { code, lines };
}

const BUSINESS = ['@whatsapp_4930000000:parley.localhost', '@whatsapp_lid-200000000000001:parley.localhost'];
const MAX = '+4915112345678';

describe.each(['rooms-a.json', 'rooms-b.json'] as const)('inspect over the real bridge’s rooms (%s)', (file) => {
  it('puts every own-phone message on the business side and makes one contact per real customer', async () => {
    const { code, lines } = await inspect(capturedRoomsPath(file));
    expect(code).toBe(0);
    const messages = lines.filter((l) => l.kind === 'message');
    const ownPhone = messages.filter(
      (m) =>
        BUSINESS.includes(m.sender.userId) ||
        (typeof m.raw['content'] === 'object' &&
          JSON.stringify(m.raw['content']).includes('fi.mau.double_puppet_source')),
    );
    expect(ownPhone.length).toBeGreaterThan(0);
    for (const message of ownPhone) {
      expect(message.sender.side).toBe('business');
      if (message.crm?.record) expect(message.crm.direction).toBe('outbound');
    }
    const customers = new Map<string, Contact>();
    for (const message of messages.filter((m) => m.crm?.direction === 'inbound'))
      if (message.crm?.contact) customers.set(message.crm.contact.key, message.crm.contact);
    // Max (two DM portals, one contact), Erika (a LID chat: no number), the group member.
    expect([...customers.keys()].sort()).toEqual(
      [
        `whatsapp:${MAX}`,
        'matrix:@whatsapp_lid-111111111111111:parley.localhost',
        'matrix:@whatsapp_lid-122222222222222:parley.localhost',
      ].sort(),
    );
    expect(customers.get(`whatsapp:${MAX}`)).toMatchObject({ firstName: 'Max', lastName: 'Kunde', whatsappId: MAX });
    expect(customers.get('matrix:@whatsapp_lid-111111111111111:parley.localhost')).toMatchObject({
      firstName: 'Erika',
      lastName: 'LID',
      whatsappLid: '111111111111111',
    });
  });

  it('makes no CRM records from the filtering space or the bridge’s management room, and keeps them on the topic', async () => {
    const { lines } = await inspect(capturedRoomsPath(file));
    const management = lines.filter((l) => l.channel.kind === 'management');
    expect(management.length).toBeGreaterThan(0);
    for (const line of management.filter((l) => l.kind === 'message')) expect(line.crm?.record).toBe(false);
    expect(lines.some((l) => l.channel.kind === 'personal_filtering_space')).toBe(true);
    for (const line of lines.filter((l) => l.channel.conversation === false && l.kind === 'message'))
      expect(line.crm).toMatchObject({ record: false });
  });
});

describe('inspect across the bridge’s move of a DM from the phone-number ghost to a LID ghost', () => {
  it('keeps one contact with the number it had and the LID beside it', async () => {
    const rooms = JSON.parse(readFileSync(capturedRoomsPath('rooms-a.json'), 'utf8')) as Record<
      string,
      { state: Record<string, unknown>[]; timeline: Record<string, unknown>[] }
    >;
    const [roomId, room] = Object.entries(rooms).find(([, r]) =>
      r.state.some((e) => e['type'] === 'm.room.name' && JSON.stringify(e['content']).includes('Max Kunde')),
    ) ?? ['', { state: [], timeline: [] }];
    const last = room.timeline.at(-1) ?? {};
    const at = (n: number) => Number(last['origin_server_ts']) + n;
    const phoneGhost = '@whatsapp_4915112345678:parley.localhost';
    const lidGhost = '@whatsapp_lid-333333333333333:parley.localhost';
    const bridge = room.state.find((e) => e['type'] === 'm.bridge') ?? {};
    const moved = [
      { type: 'm.room.member', state_key: phoneGhost, sender: phoneGhost, content: { membership: 'leave' } },
      {
        type: 'm.room.member',
        state_key: lidGhost,
        sender: lidGhost,
        content: { membership: 'join', displayname: 'Max Kunde (WA)' },
      },
      {
        type: 'm.bridge',
        state_key: bridge['state_key'],
        sender: bridge['sender'],
        content: {
          ...(bridge['content'] as object),
          channel: { id: '333333333333333@lid', 'fi.mau.receiver': '4930000000' },
        },
      },
      { type: 'm.room.message', sender: lidGhost, content: { msgtype: 'm.text', body: 'Ist das Paket unterwegs?' } },
    ].map((event, i) => ({ ...event, room_id: roomId, event_id: `$moved-${String(i)}`, origin_server_ts: at(i + 1) }));
    const file = join(mkdtempSync(join(tmpdir(), 'inspect-')), 'moved.json');
    writeFileSync(file, JSON.stringify({ [roomId]: { state: room.state, timeline: [...room.timeline, ...moved] } }));
    const { lines } = await inspect(file);
    const inbound = lines.filter((l) => l.crm?.direction === 'inbound');
    expect(new Set(inbound.map((l) => l.crm?.contact?.key))).toEqual(new Set([`whatsapp:${MAX}`]));
    expect(inbound.at(-1)?.crm?.contact).toMatchObject({
      whatsappId: MAX,
      whatsappLid: '333333333333333',
      firstName: 'Max',
    });
  });

  it('reads JSON lines and refuses what is neither JSON nor events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
    const event = {
      type: 'm.room.message',
      room_id: '!r:example.org',
      event_id: '$1',
      sender: '@whatsapp_4915100000001:example.org',
      origin_server_ts: 1_764_000_000_000,
      content: { msgtype: 'm.text', body: 'hi' },
    };
    writeFileSync(
      join(dir, 'events.jsonl'),
      `${JSON.stringify(event)}\n${JSON.stringify({ ...event, event_id: '$2' })}\n`,
    );
    const { code, lines } = await inspect(join(dir, 'events.jsonl'), false);
    expect(code).toBe(0);
    expect(lines.map((l) => l.eventId)).toEqual(['$1', '$2']);
    writeFileSync(join(dir, 'broken.jsonl'), '{"a": 1}\nnot json\n');
    expect((await inspect(join(dir, 'broken.jsonl'))).code).toBe(1);
  });
});
