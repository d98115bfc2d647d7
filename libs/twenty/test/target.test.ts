import { CrmPlanner, DEFAULT_FOLLOW_UPS, type CrmBatch } from '@parley/crm';
import { sampleLabel } from '@parley/testing';
import { startContractServer, type ContractServer } from '@parley/twenty-contract-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parleySchema, TokenBucket, TwentyClient, TwentyTarget } from '../src/index.ts';

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
      new TwentyClient({ baseUrl: server.url, apiKey: KEY, bucket: new TokenBucket(60_000, 100) }),
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
});
