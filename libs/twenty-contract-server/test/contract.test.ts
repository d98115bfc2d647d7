/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access --
   Response envelopes are asserted by shape; typing each one would only restate the assertions. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startContractServer, type ContractServer } from '../src/index.ts';

const KEY = 'test-key';

describe('Twenty contract server (the behaviour table in README.md)', () => {
  let server: ContractServer;
  const call = async (method: string, path: string, body?: unknown, key = KEY) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const personObject = () => server.metadata.objectBySingular('person');
  const addUniqueText = (name: string) =>
    call('POST', '/rest/metadata/fields', {
      objectMetadataId: personObject()?.id,
      type: 'TEXT',
      name,
      label: name,
      isUnique: true,
    });

  beforeEach(async () => {
    server = await startContractServer({ apiKey: KEY, rateLimits: null });
  });
  afterEach(async () => server.close());

  it('answers 401 in Twenty’s error shape for a missing or wrong key', async () => {
    const wrong = await call('GET', '/rest/people', undefined, 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({
      statusCode: 401,
      error: 'UnauthorizedException',
      messages: [expect.any(String)],
    });
  });

  it('rejects unknown fields and the legacy body field with 400', async () => {
    const unknown = await call('POST', '/rest/people', { nickname: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.messages[0]).toContain('"nickname"');
    const legacy = await call('POST', '/rest/tasks', { title: 't', body: 'text' });
    expect(legacy.status).toBe(400);
    expect(legacy.body.messages[0]).toContain('RICH_TEXT_V2');
  });

  it('parses an E.164 phone into the national number and codes', async () => {
    const created = await call('POST', '/rest/people', { phones: { primaryPhoneNumber: '+33612345678' } });
    expect(created.status).toBe(201);
    expect(created.body.data.createPerson.phones).toMatchObject({
      primaryPhoneNumber: '612345678',
      primaryPhoneCountryCode: 'FR',
      primaryPhoneCallingCode: '+33',
    });
    const contradicting = await call('POST', '/rest/people', {
      phones: { primaryPhoneNumber: '+33612345678', primaryPhoneCallingCode: '+49' },
    });
    expect(contradicting.status).toBe(400);
  });

  it('caps batches at 60 records and refuses an empty batch', async () => {
    const tooMany = await call(
      'POST',
      '/rest/batch/people',
      Array.from({ length: 61 }, () => ({ jobTitle: 'x' })),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.messages[0]).toContain('Maximum number of records to upsert is 60');
    expect((await call('POST', '/rest/batch/people', [])).status).toBe(400);
    const sixty = await call(
      'POST',
      '/rest/batch/people',
      Array.from({ length: 60 }, () => ({ jobTitle: 'x' })),
    );
    expect(sixty.status).toBe(201);
    expect(sixty.body.data.people).toHaveLength(60);
  });

  it('upserts on unique fields, restores soft-deleted matches, and refuses duplicates without upsert', async () => {
    expect((await addUniqueText('whatsappId')).status).toBe(201);
    const first = await call('POST', '/rest/people?upsert=true', { whatsappId: '+4915112345678', jobTitle: 'a' });
    const id = first.body.data.createPerson.id as string;
    const again = await call('POST', '/rest/batch/people?upsert=true', [
      { whatsappId: '+4915112345678', jobTitle: 'b' },
    ]);
    expect(again.body.data.people[0]).toMatchObject({ id, jobTitle: 'b' });
    expect(server.records('person')).toHaveLength(1);

    expect((await call('DELETE', `/rest/people/${id}?soft_delete=true`)).status).toBe(200);
    expect(server.records('person')).toHaveLength(0);
    const restored = await call('POST', '/rest/people?upsert=true', { whatsappId: '+4915112345678' });
    expect(restored.body.data.createPerson).toMatchObject({ id, deletedAt: null });

    const duplicate = await call('POST', '/rest/people', { whatsappId: '+4915112345678' });
    expect(duplicate.status).toBe(400);
  });

  it('answers UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT when one input matches two records', async () => {
    await addUniqueText('whatsappId');
    await addUniqueText('matrixId');
    await call('POST', '/rest/people', { whatsappId: '+4915112345678' });
    await call('POST', '/rest/people', { matrixId: '@anna:example.org' });
    const conflict = await call('POST', '/rest/people?upsert=true', {
      whatsappId: '+4915112345678',
      matrixId: '@anna:example.org',
    });
    expect(conflict.status).toBe(400);
    expect(conflict.body.code).toBe('UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT');
  });

  it('makes a batch all or nothing', async () => {
    const result = await call('POST', '/rest/batch/people', [{ jobTitle: 'ok' }, { jobTitle: 42 }]);
    expect(result.status).toBe(400);
    expect(server.records('person')).toHaveLength(0);
  });

  it('filters with eq and in, paginates with cursors and clamps limit at 200', async () => {
    await call(
      'POST',
      '/rest/batch/people',
      Array.from({ length: 30 }, (_, i) => ({ jobTitle: `job-${i % 3}` })),
    );
    const eq = await call('GET', `/rest/people?filter=${encodeURIComponent('jobTitle[eq]:"job-1"')}`);
    expect(eq.body.totalCount).toBe(10);
    const inList = await call(
      'GET',
      `/rest/people?filter=${encodeURIComponent('jobTitle[in]:["job-1","job-2"]')}&limit=15`,
    );
    expect(inList.body.data.people).toHaveLength(15);
    expect(inList.body.pageInfo.hasNextPage).toBe(true);
    const next = await call(
      'GET',
      `/rest/people?filter=${encodeURIComponent('jobTitle[in]:["job-1","job-2"]')}&limit=15&starting_after=${inList.body.pageInfo.endCursor}`,
    );
    expect(next.body.data.people).toHaveLength(5);
    expect((await call('GET', '/rest/people?limit=-1')).status).toBe(400);
  });

  it('creates metadata once: a second field or object of the same name is refused', async () => {
    const field = {
      objectMetadataId: personObject()?.id,
      type: 'SELECT',
      name: 'lastSentiment',
      label: 'Last sentiment',
      options: [{ value: 'NEGATIVE', label: 'Negative', color: 'red', position: 0 }],
    };
    expect((await call('POST', '/rest/metadata/fields', field)).status).toBe(201);
    const twice = await call('POST', '/rest/metadata/fields', field);
    expect(twice.status).toBe(400);
    expect(twice.body.code).toBe('NOT_AVAILABLE');
    const badOption = await call('POST', '/rest/metadata/fields', {
      ...field,
      name: 'other',
      options: [{ value: 'lower', label: 'x', color: 'red', position: 0 }],
    });
    expect(badOption.status).toBe(400);
    const object = {
      nameSingular: 'chatMessage',
      namePlural: 'chatMessages',
      labelSingular: 'Chat message',
      labelPlural: 'Chat messages',
    };
    expect((await call('POST', '/rest/metadata/objects', object)).status).toBe(201);
    expect((await call('POST', '/rest/metadata/objects', object)).body.code).toBe('OBJECT_ALREADY_EXISTS');
    expect((await call('GET', '/rest/chatMessages')).status).toBe(200);
  });

  it('rate-limits record requests with Twenty’s workspace buckets', async () => {
    await server.close();
    server = await startContractServer({
      apiKey: KEY,
      rateLimits: { shortLimit: 100, shortTtlMs: 1000, longLimit: 5, longTtlMs: 60_000 },
    });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await call('GET', '/rest/people')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    // Metadata requests do not go through the query runner's throttle.
    expect((await call('GET', '/rest/metadata/objects')).status).toBe(200);
  });

  it('injects faults: latency, an outage, failures and 429 storms', async () => {
    server.faults.outage = true;
    expect((await call('GET', '/rest/people')).status).toBe(503);
    server.faults.outage = false;
    server.faults.failNext = { status: 502, count: 1 };
    expect((await call('GET', '/rest/people')).status).toBe(502);
    server.faults.rateLimitStorm = 2;
    expect((await call('GET', '/rest/people')).status).toBe(429);
    expect((await call('GET', '/rest/people')).status).toBe(429);
    expect((await call('GET', '/rest/people')).status).toBe(200);
    server.faults.latencyMs = 150;
    const started = Date.now();
    await call('GET', '/rest/people');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(server.requests.map((r) => r.status)).toEqual([503, 502, 429, 429, 200, 200]);
  });
});
