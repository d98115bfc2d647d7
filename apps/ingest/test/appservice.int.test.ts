import { fileURLToPath } from 'node:url';
import { MatrixEventV1, RoomStateV1, TOPICS } from '@parley/contracts';
import {
  runServiceToExit,
  startKafka,
  uniqueName,
  waitFor,
  type ConsumedRecord,
  type TestKafka,
} from '@parley/testing';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPortal, startIngestHarness, type IngestHarness } from './harness.ts';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('ingest as a Matrix appservice (real Synapse, real Kafka)', () => {
  let kafka: TestKafka;
  let h: IngestHarness;

  beforeAll(async () => {
    kafka = await startKafka();
    h = await startIngestHarness(kafka);
  });

  afterAll(async () => {
    const code = await h.ingest.stop('SIGTERM');
    expect(code, h.ingest.stderr()).toBe(0);
  });

  it('reports ready once Kafka is connected and the homeserver pinged it', async () => {
    const body = await waitFor('ingest to be ready', async () => {
      const response = await fetch(`${h.ingest.url}/readyz`);
      const report = (await response.json()) as { status: string; dependencies: Record<string, { ready: boolean }> };
      return response.status === 200 ? report : undefined;
    });
    expect(body.status).toBe('ready');
    expect(body.dependencies['homeserver']?.ready).toBe(true);
  });

  it('delivers exactly the expected normalised events of a WhatsApp portal, in room order', async () => {
    const { roomId, ghost, phone } = await newPortal(h);
    const { bridge, staff, synapse } = h;

    const text = await bridge.send(ghost, roomId, { msgtype: 'm.text', body: 'Hi, where is my order 1234?' });
    const reply = await staff.request<{ event_id: string }>(
      'PUT',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${uniqueName('t')}`,
      {
        msgtype: 'm.text',
        body: 'It ships today.',
        'm.relates_to': { 'm.in_reply_to': { event_id: text } },
      },
    );
    const edit = await bridge.send(ghost, roomId, {
      msgtype: 'm.text',
      body: ' * Hi, where is my order 1235?',
      'm.new_content': { msgtype: 'm.text', body: 'Hi, where is my order 1235?' },
      'm.relates_to': { rel_type: 'm.replace', event_id: text },
    });
    const reaction = await bridge.send(
      ghost,
      roomId,
      { 'm.relates_to': { rel_type: 'm.annotation', event_id: reply.event_id, key: '👍' } },
      'm.reaction',
    );
    const image = await bridge.send(ghost, roomId, {
      msgtype: 'm.image',
      body: 'the box arrived broken',
      filename: 'IMG_0001.jpg',
      url: 'mxc://example.org/abc',
      info: { mimetype: 'image/jpeg', size: 1234 },
    });
    const redaction = await bridge.redact(ghost, roomId, image);

    const expected = [text, reply.event_id, edit, reaction, image, redaction];
    const records = await kafka.collect(TOPICS.matrixEvents, (all) => {
      const ids = new Set(all.filter((r) => r.key === roomId).map((r) => (r.value as MatrixEventV1).eventId));
      return expected.every((id) => ids.has(id));
    });
    const inRoom = records.filter((r) => r.key === roomId);
    const events = inRoom.map((r) => MatrixEventV1.parse(r.value));

    // Exactly once each, and in the order the room has them.
    const messageLike = events.filter((e) => expected.includes(e.eventId));
    expect(messageLike.map((e) => e.eventId)).toEqual(expected);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    expect(new Set(inRoom.map((r) => r.partition)).size).toBe(1);

    const byId = new Map(events.map((e) => [e.eventId, e]));
    const channel = {
      protocol: 'whatsapp',
      remoteChatId: `${phone}@s.whatsapp.net`,
      roomType: 'dm',
      bridgeBot: bridge.bot,
      kind: 'dm',
      conversation: true,
    };
    expect(byId.get(text)).toMatchObject({
      kind: 'message',
      channel,
      sender: { userId: ghost, isBridgeGhost: true, remoteUserId: `+${phone}`, side: 'customer' },
      message: { msgtype: 'm.text', text: 'Hi, where is my order 1234?' },
      origin: { via: 'appservice' },
    });
    expect(byId.get(reply.event_id)).toMatchObject({
      kind: 'message',
      sender: { userId: staff.userId, side: 'business' },
      relation: { type: 'reply', eventId: text },
    });
    expect(byId.get(edit)).toMatchObject({
      kind: 'edit',
      relation: { type: 'replace', eventId: text },
      message: { text: 'Hi, where is my order 1235?' },
    });
    expect(byId.get(reaction)).toMatchObject({
      kind: 'reaction',
      relation: { type: 'annotation', eventId: reply.event_id, key: '👍' },
    });
    expect(byId.get(image)).toMatchObject({
      kind: 'message',
      message: { msgtype: 'm.image', text: 'the box arrived broken', fileName: 'IMG_0001.jpg' },
    });
    expect(byId.get(redaction)).toMatchObject({ kind: 'redaction', redacts: image });

    // CloudEvents binary-mode headers on every record.
    const first = inRoom.find((r) => (r.value as MatrixEventV1).eventId === text) as ConsumedRecord;
    expect(first.headers).toMatchObject({
      ce_id: text,
      ce_source: synapse.serverName,
      ce_type: 'io.parley.matrix.message.v1',
      ce_subject: roomId,
      ce_specversion: '1.0',
      'content-type': 'application/json',
    });
  });

  it('puts each portal on the rooms topic once, with the name and bridge state set before any ghost joined', async () => {
    const portals = [await newPortal(h), await newPortal(h)];
    for (const { roomId, ghost } of portals) await h.bridge.send(ghost, roomId, { msgtype: 'm.text', body: 'Hallo?' });
    const ofPortal = (records: ConsumedRecord[], roomId: string) =>
      records.filter((r) => r.key === roomId).map((r) => RoomStateV1.parse(r.value));
    const records = await kafka.collect(
      TOPICS.matrixRooms,
      (all) => portals.every(({ roomId }) => ofPortal(all, roomId).some((r) => r.members?.customer === 1)),
      60_000,
    );
    for (const { roomId, phone } of portals) {
      const versions = ofPortal(records, roomId);
      const latest = versions.at(-1);
      expect(latest).toMatchObject({
        roomId,
        name: `Customer ${phone}`,
        rawName: `Customer ${phone} (WA)`,
        topic: 'WhatsApp private chat',
        channel: { protocol: 'whatsapp', kind: 'dm', conversation: true, remoteChatId: `${phone}@s.whatsapp.net` },
        bridge: { receiver: h.bridge.ownNumber },
        members: { customer: 1 },
      });
      expect(latest?.createdAt).toEqual(expect.any(String));
      // Never the same state twice.
      const states = versions.map(({ updatedAt: _at, updatedBy: _by, ...rest }) => JSON.stringify(rest));
      expect(new Set(states).size).toBe(states.length);
    }
  });

  it('reads a portal as the real bridge makes it: own-phone messages, LID ghosts, replies, revokes, media', async () => {
    const { roomId, ghost } = await newPortal(h);
    const { bridge, staff } = h;
    const lid = await bridge.registerLidGhost('111111111111111', 'Erika LID');
    await bridge.as(undefined, 'POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/invite`, {
      user_id: lid,
    });
    await bridge.as(lid, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    const question = await bridge.send(ghost, roomId, { msgtype: 'm.text', body: 'Wo ist mein Paket?' });
    const fromPhone = await bridge.sendFromOwnPhone(roomId, 'Ist unterwegs');
    const fromPhoneDoublePuppet = await bridge.sendFromOwnPhone(roomId, 'Morgen da', staff);
    const reply = await bridge.reply(ghost, roomId, fromPhone, 'Danke');
    const reaction = await bridge.react(ghost, roomId, fromPhone, '👍');
    const photo = await bridge.sendPhoto(ghost, roomId);
    const failed = await bridge.sendFailedMedia(ghost, roomId);
    const fromLid = await bridge.send(lid, roomId, { msgtype: 'm.text', body: 'Auch von mir' });
    const revoke = await bridge.redact(ghost, roomId, question);

    const expected = [question, fromPhone, fromPhoneDoublePuppet, reply, reaction, photo, failed, fromLid, revoke];
    const byId = new Map((await h.eventRecordsOfRoom(roomId, expected)).map((e) => [e.eventId, e]));
    expect(byId.get(fromPhone)?.sender).toMatchObject({ side: 'business', isBridgeGhost: true });
    expect(byId.get(fromPhoneDoublePuppet)?.sender).toMatchObject({ userId: staff.userId, side: 'business' });
    expect(byId.get(reply)).toMatchObject({
      relation: { type: 'reply', eventId: fromPhone },
      message: { text: 'Danke' },
    });
    expect(byId.get(reaction)?.relation).toMatchObject({ type: 'annotation', key: '👍\uFE0F' });
    expect(byId.get(photo)).toMatchObject({ kind: 'message', message: { msgtype: 'm.image', text: '' } });
    expect(byId.get(failed)).toMatchObject({ message: { msgtype: 'm.notice' }, sender: { isBridgeGhost: true } });
    expect(byId.get(fromLid)?.sender).toMatchObject({
      side: 'customer',
      remoteUserId: 'lid-111111111111111',
      displayName: 'Erika LID',
    });
    expect(byId.get(revoke)).toMatchObject({ kind: 'redaction', redacts: question });

    const member = await bridge.registerLidGhost('122222222222222', 'Gruppen Mitglied');
    const group = await bridge.createGroupPortal(
      '120363000000000001@g.us',
      'Kundengruppe Test',
      [lid, member],
      staff.userId,
    );
    const inGroup = await bridge.send(member, group, { msgtype: 'm.text', body: 'Hallo zusammen' });
    const [groupMessage] = (await h.eventRecordsOfRoom(group, [inGroup])).filter((e) => e.eventId === inGroup);
    expect(groupMessage?.channel).toMatchObject({
      kind: 'group',
      roomType: 'group',
      conversation: true,
      remoteChatId: '120363000000000001@g.us',
    });
    expect(groupMessage?.sender).toMatchObject({ side: 'customer', displayName: 'Gruppen Mitglied' });
    // (The personal filtering space has no ghost in it, so the homeserver sends Parley nothing of it;
    // its kind is checked over the captured rooms in libs/matrix and by the inspect command.)
  }, 120_000);

  it('republishes the directory of every room on demand (the directory command)', async () => {
    const { roomId, ghost } = await newPortal(h);
    await h.bridge.send(ghost, roomId, { msgtype: 'm.text', body: 'Noch da?' });
    const before = await kafka.collect(TOPICS.matrixRooms, (all) => all.some((r) => r.key === roomId), 60_000);
    const count = before.filter((r) => r.key === roomId).length;
    const result = await runServiceToExit(entry, h.env, 120_000, ['directory', '--since-days', '1']);
    expect(result.code, result.stderr).toBe(0);
    // The summary is the last line; the JSON log lines come before it.
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({ unreadable: 0 });
    const after = await kafka.collect(
      TOPICS.matrixRooms,
      (all) => all.filter((r) => r.key === roomId).length > count,
      60_000,
    );
    const republished = RoomStateV1.parse(after.filter((r) => r.key === roomId).at(-1)?.value);
    expect(republished).toMatchObject({ roomId, channel: { kind: 'dm' } });
    expect(republished.rawName).toMatch(/ \(WA\)$/);
  });

  it('was registered with a registration file from its own CLI: random tokens, non-exclusive namespace', () => {
    const { registration } = h;
    expect(registration.as_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(registration.hs_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(registration.as_token).not.toBe(registration.hs_token);
    expect(registration.namespaces.users).toEqual([{ regex: '@whatsapp_.*', exclusive: false }]);
    expect(registration.receive_ephemeral).toBe(true);
  });

  it('puts read receipts on the ephemeral topic', async () => {
    const { roomId, ghost } = await newPortal(h);
    const message = await h.bridge.send(ghost, roomId, { msgtype: 'm.text', body: 'are you there?' });
    await h.staff.request(
      'POST',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/receipt/m.read/${encodeURIComponent(message)}`,
      {},
    );
    const records = await kafka.collect(TOPICS.matrixEphemeral, (all) =>
      all.some((r) => r.key === roomId && (r.value as { type: string }).type === 'm.receipt'),
    );
    const receipt = records.find((r) => r.key === roomId)?.value as { type: string; content: Record<string, unknown> };
    expect(receipt.type).toBe('m.receipt');
    expect(Object.keys(receipt.content)).toContain(message);
  });

  it('refuses a wrong hs_token, a legacy query token, unknown paths, malformed and oversized bodies', async () => {
    const put = (path: string, init: RequestInit) => fetch(`${h.ingest.url}${path}`, { method: 'PUT', ...init });
    const auth = { authorization: `Bearer ${h.registration.hs_token}`, 'content-type': 'application/json' };

    const wrong = await put('/_matrix/app/v1/transactions/x1', {
      headers: { ...auth, authorization: 'Bearer nope' },
      body: '{"events":[]}',
    });
    expect([wrong.status, ((await wrong.json()) as { errcode: string }).errcode]).toEqual([403, 'M_FORBIDDEN']);
    const legacy = await put(`/_matrix/app/v1/transactions/x2?access_token=${h.registration.hs_token}`, {
      headers: { 'content-type': 'application/json' },
      body: '{"events":[]}',
    });
    expect(legacy.status).toBe(403);
    const unknown = await fetch(`${h.ingest.url}/_matrix/app/v1/thirdparty/protocol/x`, { headers: auth });
    expect([unknown.status, ((await unknown.json()) as { errcode: string }).errcode]).toEqual([404, 'M_UNRECOGNIZED']);
    const notJson = await put('/_matrix/app/v1/transactions/x3', { headers: auth, body: '{"events":[' });
    expect([notJson.status, ((await notJson.json()) as { errcode: string }).errcode]).toEqual([400, 'M_NOT_JSON']);
    const noEvents = await put('/_matrix/app/v1/transactions/x4', { headers: auth, body: '{"evts":[]}' });
    expect(noEvents.status).toBe(400);
    const huge = await putOversized(`${h.ingest.url}/_matrix/app/v1/transactions/x5`, auth, 11 * 1024 * 1024);
    expect([huge.status, (JSON.parse(huge.body) as { errcode: string }).errcode]).toEqual([413, 'M_TOO_LARGE']);
    const user = await fetch(`${h.ingest.url}/_matrix/app/v1/users/${encodeURIComponent('@whatsapp_1:x')}`, {
      headers: auth,
    });
    expect(user.status).toBe(404);
  });

  it('dead-letters a malformed event with the reason and still acknowledges its transaction; a retry adds nothing', async () => {
    const { synapse, staff } = h;
    const roomId = `!${uniqueName('dlq')}:${synapse.serverName}`;
    const good = {
      event_id: `$${uniqueName('good')}`,
      room_id: roomId,
      sender: staff.userId,
      type: 'm.room.message',
      origin_server_ts: Date.now(),
      content: { msgtype: 'm.text', body: 'fine' },
    };
    const bad = { event_id: 'no-sigil', room_id: roomId, type: 'm.room.message', content: 'not an object' };
    const txnId = uniqueName('txn');
    const send = () =>
      fetch(`${h.ingest.url}/_matrix/app/v1/transactions/${txnId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${h.registration.hs_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [good, bad] }),
      });
    // Only what this test produces is read: the shared broker's events topic may hold many earlier runs.
    const from = await kafka.endOffsets(TOPICS.matrixEvents);
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);

    const dead = await kafka.collect(TOPICS.matrixEventsDlq, (all) => all.some((r) => r.key === roomId));
    const letter = dead.find((r) => r.key === roomId)?.value as { reason: string; error: string; raw: unknown };
    expect(letter.reason).toBe('invalid_event');
    expect(letter.error).toContain('event_id');
    expect(letter.raw).toEqual(bad);

    // Read until a marker sent after both attempts, then count: the retry must not have added a copy.
    const marker = { ...good, event_id: `$${uniqueName('marker')}` };
    await fetch(`${h.ingest.url}/_matrix/app/v1/transactions/${uniqueName('txn')}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.registration.hs_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [marker] }),
    });
    const all = await kafka.collect(
      TOPICS.matrixEvents,
      (records) => records.some((r) => (r.value as MatrixEventV1).eventId === marker.event_id),
      undefined,
      { from },
    );
    expect(all.filter((r) => (r.value as MatrixEventV1).eventId === good.event_id)).toHaveLength(1);
  });
});

/**
 * Declares a body over the limit and sends only its first bytes: the server must answer from the
 * declared length alone, without waiting for (or reading) the rest.
 */
function putOversized(
  url: string,
  headers: Record<string, string>,
  declaredBytes: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { ...headers, 'content-length': declaredBytes } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: text });
      });
    });
    req.on('error', reject);
    req.write('{"events":[');
  });
}
