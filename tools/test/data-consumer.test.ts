// The README's guide for data teams: its Python consumer (librdkafka through confluent-kafka, JSON Schema
// through jsonschema) reads Parley's topics and validates every value against the published schemas.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOPICS, toKafkaHeaders, type TopicRecord } from '@parley/contracts';
import { DEFAULT_GHOST_RULES, DEFAULT_SIDE_RULE, EventPipeline, RoomStateCache } from '@parley/matrix';
import { startKafka, uniqueName, type TestKafka } from '@parley/testing';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The README's shell lines of the data-team guide: the venv set-up and the consumer's command. */
function guideCommands(): { install: string; consume: string } {
  const block = /### A consumer in Python[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const lines = block.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const install = lines.find((l) => l.includes('pip install')) ?? '';
  const consume = lines.find((l) => l.includes('consume.py')) ?? '';
  return { install, consume };
}

describe('the data-team guide’s Python consumer', () => {
  let kafka: TestKafka;
  let venv: string;
  const { install, consume } = guideCommands();

  beforeAll(async () => {
    expect(install).toContain('requirements.txt');
    expect(consume).toContain('--brokers');
    kafka = await startKafka();
    // The README's install line, verbatim but for where the virtual environment goes.
    venv = join(mkdtempSync(join(tmpdir(), 'parley-consumer-')), 'venv');
    execFileSync('bash', ['-c', install.replaceAll('/tmp/parley-consumer', venv)], { cwd: root, stdio: 'pipe' });
  }, 300_000);

  /** The README's consume line against the test broker, on the given topics. */
  const run = (topics: string[]) => {
    const command = consume
      .replaceAll('/tmp/parley-consumer', venv)
      .replace(/--brokers \S+/, `--brokers ${kafka.brokers.join(',')}`)
      .replace(/--topics \S+/, `--topics ${topics.join(',')}`);
    const result = spawnSync('bash', ['-c', `${command} --idle-seconds 3`], { cwd: root, encoding: 'utf8' });
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      topics: Record<string, { records: number; valid: number; invalid: number; keys?: number; names?: string[] }>;
      problems: { error: string }[];
    };
    return { code: result.status, summary, stderr: result.stderr };
  };

  const produce = async (topic: string, records: readonly Pick<TopicRecord, 'key' | 'value' | 'headers'>[]) => {
    const producer = kafka.client().producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({
        key: r.key,
        value: r.value === null ? null : JSON.stringify(r.value),
        headers: r.headers,
      })),
    });
    await producer.disconnect();
  };

  it('finds everything ingest produces valid, and reads the rooms topic as a table of names', async () => {
    const rooms = await kafka.createTopic('example-rooms', 3);
    const events = await kafka.createTopic('example-events', 3);
    const pipeline = new EventPipeline({
      homeserver: 'parley.test',
      identity: { ghostRules: DEFAULT_GHOST_RULES, sideRule: DEFAULT_SIDE_RULE },
      rooms: new RoomStateCache({ maxRooms: 10, maxMembersPerRoom: 10 }),
      canActAs: () => false,
    });
    const roomId = `!${uniqueName('r')}:parley.test`;
    const base = { room_id: roomId, origin_server_ts: 1_764_000_000_000, sender: '@whatsappbot:parley.test' };
    const { records } = await pipeline.toRecords(
      [
        { ...base, event_id: '$c', type: 'm.room.create', state_key: '', content: { room_version: '12' } },
        { ...base, event_id: '$n', type: 'm.room.name', state_key: '', content: { name: 'Maria Lopez (WA)' } },
        {
          ...base,
          event_id: '$m',
          type: 'm.room.message',
          sender: '@whatsapp_4915100000001:parley.test',
          content: { msgtype: 'm.text', body: 'Hola' },
        },
      ],
      { origin: { via: 'appservice' }, stage: 'test', batchId: '1' },
    );
    await produce(
      rooms,
      records.filter((r) => r.topic === TOPICS.matrixRooms),
    );
    await produce(
      events,
      records.filter((r) => r.topic === TOPICS.matrixEvents),
    );
    const { code, summary, stderr } = run([rooms, events]);
    expect(code, stderr).toBe(0);
    expect(summary.topics[events]).toMatchObject({ records: 3, valid: 3, invalid: 0 });
    expect(summary.topics[rooms]?.invalid).toBe(0);
    expect(summary.topics[rooms]?.names).toEqual(['Maria Lopez']);
  }, 120_000);

  it('reports a value its schema refuses, and exits 1', async () => {
    const rooms = await kafka.createTopic('example-bad-rooms', 1);
    await produce(rooms, [
      {
        key: '!x:parley.test',
        value: { schemaVersion: 1, roomId: 'not a room id' },
        headers: toKafkaHeaders({
          id: 'bad',
          source: 'test',
          type: 'io.parley.matrix.room.v1',
          specversion: '1.0',
          time: new Date().toISOString(),
          dataschema: 'urn:parley:schema:room-state:v1',
        }),
      },
    ]);
    const { code, summary } = run([rooms]);
    expect(code).toBe(1);
    expect(summary.topics[rooms]).toMatchObject({ records: 1, invalid: 1 });
    expect(summary.problems[0]?.error).toBeTruthy();
  }, 120_000);
});
