import { CrmPlanner, DEFAULT_FOLLOW_UPS, type CrmBatch } from '@parley/crm';
import { sampleLabel } from '@parley/testing';
import { startContractServer, type ContractServer } from '@parley/twenty-contract-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataModelPermissionError, parleySchema, TwentyClient, TwentyTarget } from '../src/index.ts';
import { unpaced } from './unpaced.ts';

const KEY = 'target-key';
const ROOM = '!anna:parley.test';
const INTENTS = ['complaint', 'order_status', 'billing', 'other'];

describe('TwentyTarget against the contract server', () => {
  let server: ContractServer;
  let target: TwentyTarget;
  const planner = () =>
    new CrmPlanner({
      followUps: DEFAULT_FOLLOW_UPS,
      conversationUrl: 'https://matrix.to/#/{roomId}/{eventId}',
      roomName: () => 'Anna',
    });
  const conversation = () =>
    planner().plan([
      sampleLabel({ roomId: ROOM, eventId: '$m1', sentAt: '2026-11-01T09:00:00.000Z', intent: 'order_status' }),
      sampleLabel({
        roomId: ROOM,
        eventId: '$m2',
        sentAt: '2026-11-01T09:01:00.000Z',
        intent: 'complaint',
        sentiment: 'negative',
        text: 'Still nothing!',
      }),
      sampleLabel({
        roomId: ROOM,
        eventId: '$m3',
        sentAt: '2026-11-01T09:02:00.000Z',
        from: 'business',
        intent: 'other',
        text: 'Sorry, checking',
      }),
    ]);

  beforeEach(async () => {
    server = await startContractServer({ apiKey: KEY, rateLimits: null });
    target = new TwentyTarget(
      new TwentyClient({ baseUrl: server.url, apiKey: KEY, pacer: unpaced() }),
      parleySchema(INTENTS),
    );
    await target.bootstrap();
  });
  afterEach(async () => server.close());

  it('writes the person, every message linked to them, and one follow-up task targeting them', async () => {
    expect(await target.write(conversation())).toEqual([]);
    const [person] = server.records('person');
    expect(person).toMatchObject({
      whatsappId: '+4915100000001',
      matrixId: '@whatsapp_4915100000001:parley.test',
      name: { firstName: 'Anna', lastName: 'Schmidt' },
      phones: { primaryPhoneNumber: '15100000001', primaryPhoneCallingCode: '+49', primaryPhoneCountryCode: 'DE' },
      lastIntent: 'COMPLAINT',
      lastSentiment: 'NEGATIVE',
      lastContactAt: '2026-11-01T09:01:00.000Z',
    });
    const messages = server.records('chatMessage');
    expect(messages.map((m) => [m.direction, m.intent, m.channel, m.personId])).toEqual([
      ['INBOUND', 'ORDER_STATUS', 'WHATSAPP', person?.id],
      ['INBOUND', 'COMPLAINT', 'WHATSAPP', person?.id],
      ['OUTBOUND', 'OTHER', 'WHATSAPP', person?.id],
    ]);
    const [task] = server.records('task');
    expect(task).toMatchObject({ status: 'TODO', dueAt: '2026-11-01T13:01:00.000Z' });
    expect((task?.bodyV2 as { markdown: string }).markdown).toContain('https://matrix.to/#/');
    expect(server.records('taskTarget')).toEqual([
      expect.objectContaining({ taskId: task?.id, targetPersonId: person?.id }),
    ]);
  });

  it('writes nothing twice when the same conversation is written again, and does not reopen a done task', async () => {
    await target.write(conversation());
    const [task] = server.records('task');
    await fetch(`${server.url}/rest/tasks/${String(task?.id)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'DONE' }),
    });
    await target.write(conversation());
    expect(server.records('person')).toHaveLength(1);
    expect(server.records('chatMessage')).toHaveLength(3);
    expect(server.records('task')).toEqual([expect.objectContaining({ id: task?.id, status: 'DONE' })]);
    expect(server.records('taskTarget')).toHaveLength(1);
  });

  it('reconciles a contact whose WhatsApp id and Matrix id belong to two people', async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/rest/people`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post({ whatsappId: '+4915100000001' });
    await post({ matrixId: '@whatsapp_4915100000001:parley.test' });
    expect(await target.write(conversation())).toEqual([]);
    const byWhatsapp = server.records('person').find((p) => p.whatsappId === '+4915100000001');
    expect(byWhatsapp).toMatchObject({ lastIntent: 'COMPLAINT', name: { firstName: 'Anna', lastName: 'Schmidt' } });
    expect(server.records('chatMessage').every((m) => m.personId === byWhatsapp?.id)).toBe(true);
  });

  it('writes the good messages of a batch and reports the one Twenty refuses', async () => {
    const batch: CrmBatch = conversation();
    const bad = batch.messages[1];
    if (bad) bad.sentAt = 'yesterday-ish';
    const rejected = await target.write(batch);
    expect(rejected.map((r) => [r.kind, r.key])).toEqual([['message', bad?.externalId]]);
    expect(rejected[0]?.reason).toContain('sentAt');
    expect(server.records('chatMessage')).toHaveLength(2);
  });

  it('adds an intent the taxonomy did not have as a select option before writing it', async () => {
    const batch = planner().plan([sampleLabel({ roomId: ROOM, intent: 'warranty_claim' })]);
    expect(await target.write(batch)).toEqual([]);
    expect(server.records('chatMessage')[0]).toMatchObject({ intent: 'WARRANTY_CLAIM' });
  });

  it('links every message and task to its own person when a batch mixes new and existing people', async () => {
    // A and B exist; the batch lists C and D (new) before them. Twenty answers the updated A and B
    // first, then C and D: a position-based mapping links C's messages to A, and so on.
    const customers = ['A', 'B', 'C', 'D'].map((name, i) => ({
      name: `Customer ${name}`,
      phone: `+4915100000${String(10 + i)}`,
      room: `!room-${name}:parley.test`,
    }));
    const say = (c: (typeof customers)[number], n: number, intent = 'order_status') =>
      sampleLabel({
        roomId: c.room,
        eventId: `$${c.name.replace(' ', '-')}-${String(n)}`,
        from: { phone: c.phone, name: c.name },
        sentAt: `2026-11-01T09:0${String(n)}:00.000Z`,
        intent,
        ...(intent === 'complaint' ? { sentiment: 'negative' as const } : {}),
      });
    const [a, b, c, d] = customers;
    if (!a || !b || !c || !d) throw new Error('four customers');
    await target.write(planner().plan([say(a, 0), say(b, 0)]));
    const batch = planner().plan([say(c, 1), say(d, 1, 'complaint'), say(a, 2), say(b, 2), say(c, 3), say(d, 3)]);
    expect(batch.contacts.map((contact) => contact.whatsappId)).toEqual([c.phone, d.phone, a.phone, b.phone]);
    expect(await target.write(batch)).toEqual([]);

    const personOf = new Map(server.records('person').map((p) => [p.id, p.whatsappId]));
    expect(personOf.size).toBe(4);
    const linked = server.records('chatMessage').map((m) => [m.externalId, personOf.get(String(m.personId))]);
    expect(linked).toHaveLength(8);
    for (const [externalId, phone] of linked) {
      const customer = customers.find((x) => String(externalId).startsWith(`$${x.name.replace(' ', '-')}-`));
      expect([externalId, phone]).toEqual([externalId, customer?.phone]);
    }
    const [task] = server.records('task');
    expect(task?.parleyKey).toContain(d.room);
    expect(server.records('taskTarget').map((t) => personOf.get(String(t.targetPersonId)))).toEqual([d.phone]);
  });

  it('writes one person for two contacts of one batch that share a WhatsApp id', async () => {
    const batch: CrmBatch = conversation();
    const [anna] = batch.contacts;
    if (!anna) throw new Error('a contact');
    // The same phone under a second key, as a LID ghost of the same customer would give.
    batch.contacts.push({
      ...anna,
      key: 'matrix:@whatsapp_lid-123:parley.test',
      matrixId: '@whatsapp_lid-123:parley.test',
    });
    batch.messages.push({
      ...(batch.messages[0] as CrmBatch['messages'][number]),
      externalId: '$lid',
      contactKey: 'matrix:@whatsapp_lid-123:parley.test',
    });
    expect(await target.write(batch)).toEqual([]);
    const people = server.records('person');
    expect(people).toHaveLength(1);
    expect(server.records('chatMessage').every((m) => m.personId === people[0]?.id)).toBe(true);
  });
});

describe('TwentyTarget renaming a room', () => {
  it('gives every record written under the room id the room’s name, and finds nothing the second time', async () => {
    const server = await startContractServer({ apiKey: KEY, rateLimits: null });
    try {
      const target = new TwentyTarget(
        new TwentyClient({ baseUrl: server.url, apiKey: KEY, pacer: unpaced() }),
        parleySchema(INTENTS),
      );
      await target.bootstrap();
      const planner = new CrmPlanner({
        followUps: DEFAULT_FOLLOW_UPS,
        conversationUrl: 'x',
        roomName: () => undefined,
      });
      const labels = Array.from({ length: 75 }, (_, i) =>
        sampleLabel({ roomId: ROOM, sentAt: new Date(Date.UTC(2026, 10, 1, 9, i)).toISOString() }),
      );
      await target.write(planner.plan([...labels, sampleLabel({ roomId: '!other:parley.test' })]));
      expect(server.records('chatMessage').filter((m) => m.room === ROOM)).toHaveLength(75);
      await target.renameRoom(ROOM, 'Anna Schmidt');
      const rooms = server.records('chatMessage').map((m) => m.room);
      expect(rooms.filter((r) => r === 'Anna Schmidt')).toHaveLength(75);
      expect(rooms).toContain('!other:parley.test');
      const before = server.requests.length;
      await target.renameRoom(ROOM, 'Anna Schmidt');
      expect(server.requests.length - before).toBe(1); // one read that finds nothing
    } finally {
      await server.close();
    }
  });
});

describe('TwentyTarget with a key that lacks the data-model permission', () => {
  it('keeps writing records where the schema is in place, and holds records that need a new option', async () => {
    const server = await startContractServer({ apiKey: KEY, rateLimits: null });
    const target = () =>
      new TwentyTarget(new TwentyClient({ baseUrl: server.url, apiKey: KEY, pacer: unpaced() }), parleySchema(INTENTS));
    const plan = (intent: string) =>
      new CrmPlanner({ followUps: DEFAULT_FOLLOW_UPS, conversationUrl: 'x', roomName: () => 'Anna' }).plan([
        sampleLabel({ roomId: ROOM, intent }),
      ]);
    try {
      await target().bootstrap(); // an admin set the workspace up
      server.permissions.dataModel = false; // the sink's key may only write records
      const sink = target();
      await expect(sink.bootstrap()).rejects.toBeInstanceOf(DataModelPermissionError);

      expect(await sink.write(plan('complaint'))).toEqual([]);
      expect(server.records('chatMessage')).toHaveLength(1);

      const novel = plan('warranty_claim');
      await expect(sink.write(novel)).rejects.toBeInstanceOf(DataModelPermissionError);
      expect(server.records('chatMessage')).toHaveLength(1);

      server.permissions.dataModel = true; // the key's role gained the permission
      expect(await sink.write(novel)).toEqual([]);
      expect(server.records('chatMessage').map((m) => m.intent)).toEqual(['COMPLAINT', 'WARRANTY_CLAIM']);
    } finally {
      await server.close();
    }
  });
});
