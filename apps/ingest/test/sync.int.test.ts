import { fileURLToPath } from 'node:url';
import { MatrixEventV1, TOPICS } from '@parley/contracts';
import { spawnService, startKafka, startSynapse, uniqueName, waitFor, type ServiceProcess } from '@parley/testing';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('ingest in client-sync mode (real Synapse, real Kafka)', () => {
  it('produces new events of joined rooms and resumes from the stored since-token after a restart', async () => {
    const kafka = await startKafka();
    // Only what this test produces: the shared events topic holds every earlier test's events.
    const from = await kafka.endOffsets(TOPICS.matrixEvents);
    const synapse = await startSynapse();
    const watcher = await synapse.registerUser('watcher');
    const customer = await synapse.registerUser('customer');
    const { room_id: roomId } = await customer.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', {
      preset: 'private_chat',
      invite: [watcher.userId],
    });
    await watcher.request('POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    const say = async (body: string) =>
      (
        await customer.request<{ event_id: string }>(
          'PUT',
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${uniqueName('t')}`,
          { msgtype: 'm.text', body },
        )
      ).event_id;

    const start = () =>
      spawnService({
        entry,
        env: {
          PARLEY_INGEST_MODE: 'sync',
          PARLEY_HOMESERVER_URL: synapse.url,
          PARLEY_HOMESERVER_NAME: synapse.serverName,
          PARLEY_SYNC_USER_ID: watcher.userId,
          PARLEY_SYNC_ACCESS_TOKEN: watcher.accessToken,
          PARLEY_KAFKA_BROKERS: kafka.brokers.join(','),
          PARLEY_KAFKA_PARTITIONS: '3',
        },
      });
    const untilReady = (service: ServiceProcess) =>
      waitFor('ingest ready', async () => ((await fetch(`${service.url}/readyz`)).status === 200 ? true : undefined), {
        timeoutMs: 60_000,
      });

    let ingest = await start();
    await untilReady(ingest);
    const live = [await say('first'), await say('second')];
    await kafka.collect(
      TOPICS.matrixEvents,
      (all) => live.every((id) => all.some((r) => (r.value as MatrixEventV1).eventId === id)),
      undefined,
      { from },
    );
    expect(await ingest.stop('SIGTERM')).toBe(0);

    const whileDown = [await say('sent while ingest was down'), await say('and another')];
    ingest = await start();
    await untilReady(ingest);
    const marker = await say(uniqueName('marker'));
    const expected = [...live, ...whileDown, marker];
    const records = await kafka.collect(
      TOPICS.matrixEvents,
      (all) => all.some((r) => (r.value as MatrixEventV1).eventId === marker),
      undefined,
      { from },
    );
    expect(await ingest.stop('SIGTERM')).toBe(0);

    const messages = records
      .filter((r) => r.key === roomId)
      .map((r) => MatrixEventV1.parse(r.value))
      .filter((e) => e.type === 'm.room.message');
    expect(messages.map((e) => e.eventId)).toEqual(expected);
    expect(messages.every((e) => e.origin.via === 'sync')).toBe(true);
    expect(messages[2]?.message?.text).toBe('sent while ingest was down');
  });
});
