// The rooms the real mautrix-whatsapp v0.2608.0 made (test/fixtures), through ingest's own pipeline.
import { readFileSync } from 'node:fs';
import { MatrixEventV1, RoomStateV1, TOPICS, type TopicRecord } from '@parley/contracts';
import { capturedRoomsPath } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GHOST_RULES, DEFAULT_SIDE_RULE, EventPipeline, RoomStateCache } from '../src/index.ts';

type Capture = Record<string, { state: unknown[]; timeline: unknown[] }>;
const load = (file: 'rooms-a.json' | 'rooms-b.json'): Capture =>
  JSON.parse(readFileSync(capturedRoomsPath(file), 'utf8')) as Capture;

const BUSINESS_GHOSTS = ['@whatsapp_4930000000:parley.localhost', '@whatsapp_lid-200000000000001:parley.localhost'];

async function ingest(file: 'rooms-a.json' | 'rooms-b.json'): Promise<TopicRecord[]> {
  const pipeline = new EventPipeline({
    homeserver: 'parley.localhost',
    identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
    rooms: new RoomStateCache({ maxRooms: 100, maxMembersPerRoom: 100 }),
    canActAs: () => false,
  });
  const records: TopicRecord[] = [];
  for (const [roomId, room] of Object.entries(load(file))) {
    const result = await pipeline.toRecords(room.timeline, {
      origin: { via: 'appservice' },
      stage: 'test',
      batchId: roomId,
    });
    expect(result.deadLettered).toBe(0);
    records.push(...result.records);
  }
  return records;
}

const roomsOf = (records: TopicRecord[]) =>
  records.filter((r) => r.topic === TOPICS.matrixRooms).map((r) => RoomStateV1.parse(r.value));
const eventsOf = (records: TopicRecord[]) =>
  records.filter((r) => r.topic === TOPICS.matrixEvents).map((r) => MatrixEventV1.parse(r.value));
const latest = (rooms: RoomStateV1[]) => new Map(rooms.map((room) => [room.roomId, room]));

describe.each(['rooms-a.json', 'rooms-b.json'] as const)(
  'the real bridge’s rooms (%s) through the pipeline',
  (file) => {
    it('puts every room on the rooms topic, undecorated, with its kind, and never the same state twice', async () => {
      const records = await ingest(file);
      const rooms = roomsOf(records);
      const byRoom = latest(rooms);
      expect([...byRoom.keys()].sort()).toEqual(Object.keys(load(file)).sort());
      for (const roomId of byRoom.keys()) {
        const versions = rooms
          .filter((r) => r.roomId === roomId)
          .map(({ updatedAt: _at, updatedBy: _by, ...rest }) => JSON.stringify(rest));
        for (let i = 1; i < versions.length; i++) expect(versions[i]).not.toBe(versions[i - 1]);
      }
      const all = [...byRoom.values()];
      const dms = all.filter((r) => r.rawName === 'Max Kunde (WA)');
      expect(dms.length).toBeGreaterThan(0);
      for (const dm of dms) {
        expect(dm).toMatchObject({
          name: 'Max Kunde',
          channel: {
            protocol: 'whatsapp',
            kind: 'dm',
            conversation: true,
            remoteChatId: '4915112345678@s.whatsapp.net',
          },
        });
        expect(dm.members?.customer).toBe(1);
        expect(dm.createdAt).toEqual(expect.any(String));
      }
      for (const group of all.filter((r) => r.name === 'Kundengruppe Test'))
        expect(group.channel).toMatchObject({
          kind: 'group',
          conversation: true,
          remoteChatId: '120363000000000001@g.us',
        });
      const spaces = all.filter((r) => r.channel.kind === 'personal_filtering_space');
      expect(spaces.length).toBeGreaterThan(0);
      for (const space of spaces)
        expect(space).toMatchObject({ name: 'WhatsApp (+4930000000)', channel: { conversation: false } });
      const management = all.filter((r) => r.channel.kind === 'management');
      expect(management).toHaveLength(1);
      expect(management[0]?.channel.conversation).toBe(false);
    });

    it('puts every message the business sent from its phone on the business side, and only those', async () => {
      const messages = eventsOf(await ingest(file)).filter((e) => e.kind === 'message' || e.kind === 'edit');
      for (const message of messages) {
        const business =
          BUSINESS_GHOSTS.includes(message.sender.userId) ||
          message.sender.userId.startsWith('@staff') ||
          message.sender.userId === '@whatsappbot:parley.localhost';
        expect([message.sender.userId, message.sender.side]).toEqual([
          message.sender.userId,
          business ? 'business' : 'customer',
        ]);
      }
      expect(messages.some((m) => BUSINESS_GHOSTS.includes(m.sender.userId))).toBe(true);
      for (const message of messages.filter((m) => m.sender.userId === '@whatsapp_4915112345678:parley.localhost'))
        expect(message.sender.displayName).toBe('Max Kunde');
    });
  },
);
