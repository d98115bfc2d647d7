import { startContractServer, type ContractServer } from '@parley/twenty-contract-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BootstrapError,
  bootstrapWorkspace,
  DataModelPermissionError,
  listObjects,
  parleySchema,
  TwentyClient,
} from '../src/index.ts';
import { unpaced } from './unpaced.ts';

const KEY = 'bootstrap-key';
const INTENTS = ['complaint', 'order_status', 'other'];

describe.each(['direct', 'legacy'] as const)('workspace bootstrap (metadata API, %s format)', (metadataFormat) => {
  let server: ContractServer;
  let client: TwentyClient;
  const fieldNames = (object: string) => {
    const id = server.metadata.objectBySingular(object)?.id ?? '';
    return server.metadata.fieldsOf(id).map((f) => f.name);
  };

  beforeEach(async () => {
    server = await startContractServer({ apiKey: KEY, rateLimits: null, metadataFormat });
    client = new TwentyClient({ baseUrl: server.url, apiKey: KEY, pacer: unpaced() });
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

  it('reads every page, a last page holding exactly one object included', async () => {
    const count = server.metadata.objects.size;
    for (let i = count; i < 201; i++)
      server.metadata.addObject({
        nameSingular: `padding${String(i)}`,
        namePlural: `paddings${String(i)}`,
        labelSingular: 'Padding',
        labelPlural: 'Paddings',
        isCustom: true,
      });
    const objects = await listObjects(client);
    expect(objects).toHaveLength(201);
    expect(new Set(objects.map((o) => o.id)).size).toBe(201);
    const pages = server.requests.filter((r) => r.path === '/rest/metadata/objects');
    expect(pages).toHaveLength(2);
    const report = await bootstrapWorkspace(client, parleySchema(INTENTS));
    expect(report.created).toContain('chatMessage');
  });
});

describe('workspace bootstrap with a key that lacks the data-model permission', () => {
  it('says which permission and which call in one line', async () => {
    const server = await startContractServer({ apiKey: KEY, rateLimits: null, dataModelPermission: false });
    try {
      const client = new TwentyClient({ baseUrl: server.url, apiKey: KEY, pacer: unpaced() });
      const error = await bootstrapWorkspace(client, parleySchema(INTENTS)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataModelPermissionError);
      expect((error as Error).message).toBe(
        "the Twenty API key's role lacks the Data model permission (Settings → Roles → Data model), which GET /rest/metadata/objects needs: it answered 403 PERMISSION_DENIED",
      );
    } finally {
      await server.close();
    }
  });
});
