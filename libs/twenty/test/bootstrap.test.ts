import { startContractServer, type ContractServer } from '@parley/twenty-contract-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BootstrapError, bootstrapWorkspace, parleySchema, TokenBucket, TwentyClient } from '../src/index.ts';

const KEY = 'bootstrap-key';
const INTENTS = ['complaint', 'order_status', 'other'];

describe('workspace bootstrap (metadata API)', () => {
  let server: ContractServer;
  let client: TwentyClient;
  const fieldNames = (object: string) => {
    const id = server.metadata.objectBySingular(object)?.id ?? '';
    return server.metadata.fieldsOf(id).map((f) => f.name);
  };

  beforeEach(async () => {
    server = await startContractServer({ apiKey: KEY, rateLimits: null });
    client = new TwentyClient({ baseUrl: server.url, apiKey: KEY, bucket: new TokenBucket(60_000, 100) });
  });
  afterEach(async () => server.close());

  it('creates everything on an empty workspace, and nothing on a second run', async () => {
    const first = await bootstrapWorkspace(client, parleySchema(INTENTS));
    expect(first.created).toEqual(
      expect.arrayContaining([
        'chatMessage',
        'person.matrixId',
        'person.whatsappId',
        'person.lastIntent',
        'chatMessage.person',
        'task.parleyKey',
      ]),
    );
    expect(fieldNames('person')).toEqual(
      expect.arrayContaining([
        'matrixId',
        'whatsappId',
        'lastIntent',
        'lastSentiment',
        'lastContactAt',
        'chatMessages',
      ]),
    );
    expect(fieldNames('chatMessage')).toEqual(
      expect.arrayContaining([
        'externalId',
        'text',
        'sentAt',
        'channel',
        'room',
        'direction',
        'intent',
        'sentiment',
        'confidence',
        'person',
      ]),
    );
    const writes = () => server.requests.filter((r) => r.method !== 'GET').length;
    const before = writes();
    const second = await bootstrapWorkspace(client, parleySchema(INTENTS));
    expect(second.created).toEqual([]);
    expect(second.updated).toEqual([]);
    expect(writes()).toBe(before);
  });

  it('on a workspace that already has some fields, creates only the missing ones', async () => {
    const person = server.metadata.objectBySingular('person');
    server.metadata.addField(person?.id ?? '', { name: 'whatsappId', type: 'TEXT', isUnique: true, isCustom: true });
    const report = await bootstrapWorkspace(client, parleySchema(INTENTS));
    expect(report.created).not.toContain('person.whatsappId');
    expect(report.unchanged).toContain('person.whatsappId');
    expect(fieldNames('person').filter((n) => n === 'whatsappId')).toHaveLength(1);
  });

  it('adds intents the taxonomy gained as select options', async () => {
    await bootstrapWorkspace(client, parleySchema(INTENTS));
    const report = await bootstrapWorkspace(client, parleySchema([...INTENTS, 'warranty claim']));
    expect(report.updated).toEqual(expect.arrayContaining(['person.lastIntent', 'chatMessage.intent']));
    expect(report.options['chatMessage.intent']).toContain('WARRANTY_CLAIM');
  });

  it('refuses a field that exists with another type', async () => {
    const person = server.metadata.objectBySingular('person');
    server.metadata.addField(person?.id ?? '', { name: 'lastContactAt', type: 'TEXT', isCustom: true });
    await expect(bootstrapWorkspace(client, parleySchema(INTENTS))).rejects.toBeInstanceOf(BootstrapError);
  });
});
