/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
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

  it('answers 403 without a key and 401 with a wrong one, in Twenty’s auth error shape', async () => {
    const wrong = await call('GET', '/rest/people', undefined, 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ statusCode: 401, messages: ['Token invalid.'], error: 'UNAUTHENTICATED' });
    const missing = await fetch(`${server.url}/rest/people`);
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({
      statusCode: 403,
      messages: ['Missing authentication token'],
      error: 'FORBIDDEN_EXCEPTION',
    });
  });

  it('rejects unknown fields, the legacy body field included, with 400 and no code', async () => {
    const unknown = await call('POST', '/rest/people', { nickname: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      statusCode: 400,
      error: 'BadRequestException',
      messages: ['Object person doesn\'t have any "nickname" field.'],
    });
    const legacy = await call('POST', '/rest/tasks', { title: 't', body: 'text' });
    expect(legacy.status).toBe(400);
    expect(legacy.body.messages).toEqual(['Object task doesn\'t have any "body" field.']);
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

  it('caps batches at 200 records and answers an empty batch with an empty list', async () => {
    const tooMany = await call(
      'POST',
      '/rest/batch/people',
      Array.from({ length: 201 }, () => ({ jobTitle: 'x' })),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.messages).toEqual(['Maximum number of records to upsert is 200.']);
    expect(await call('POST', '/rest/batch/people', [])).toEqual({ status: 201, body: { data: { createPeople: [] } } });
    const full = await call(
      'POST',
      '/rest/batch/people',
      Array.from({ length: 200 }, () => ({ jobTitle: 'x' })),
    );
    expect(full.status).toBe(201);
    expect(full.body.data.createPeople).toHaveLength(200);
  });

  it('upserts on unique fields, restores soft-deleted matches, and refuses duplicates without upsert', async () => {
    expect((await addUniqueText('whatsappId')).status).toBe(201);
    const first = await call('POST', '/rest/people?upsert=true', { whatsappId: '+4915112345678', jobTitle: 'a' });
    const id = first.body.data.createPerson.id as string;
    const again = await call('POST', '/rest/batch/people?upsert=true', [
      { whatsappId: '+4915112345678', jobTitle: 'b' },
    ]);
    expect(again.body.data.createPeople[0]).toMatchObject({ id, jobTitle: 'b' });
    expect(server.records('person')).toHaveLength(1);

    const softDeleted = await call('DELETE', `/rest/people/${id}?soft_delete=true`);
    expect(softDeleted.body.data.deletePerson).toMatchObject({ id, jobTitle: 'b', deletedAt: expect.any(String) });
    expect(server.records('person')).toHaveLength(0);
    const restored = await call('POST', '/rest/people?upsert=true', { whatsappId: '+4915112345678' });
    expect(restored.body.data.createPerson).toMatchObject({ id, deletedAt: null });

    const duplicate = await call('POST', '/rest/people', { whatsappId: '+4915112345678' });
    expect(duplicate.body).toEqual({
      statusCode: 400,
      error: 'BadRequestException',
      messages: ['A duplicate entry was detected'],
    });
    // upsert must be the exact string "true".
    expect((await call('POST', '/rest/people?upsert=TRUE', { whatsappId: '+4915112345678' })).status).toBe(400);
  });

  it('answers a batch upsert with updates first, then inserts, merging inputs that match one record', async () => {
    await addUniqueText('whatsappId');
    const created = await call('POST', '/rest/batch/people', [{ whatsappId: '+491' }, { whatsappId: '+492' }]);
    const [b1, b2] = (created.body.data.createPeople as { id: string }[]).map((p) => p.id);
    const mixed = await call('POST', '/rest/batch/people?upsert=true', [
      { whatsappId: '+49100', jobTitle: 'NEW-A' },
      { whatsappId: '+492', jobTitle: 'OLD-B2' },
      { whatsappId: '+49300', jobTitle: 'NEW-C' },
      { whatsappId: '+491', jobTitle: 'OLD-B1' },
    ]);
    const answered = mixed.body.data.createPeople as { id: string; jobTitle: string }[];
    expect(answered.map((p) => p.jobTitle)).toEqual(['OLD-B2', 'OLD-B1', 'NEW-A', 'NEW-C']);
    expect(answered.slice(0, 2).map((p) => p.id)).toEqual([b2, b1]);

    const twice = await call('POST', '/rest/batch/people?upsert=true', [
      { whatsappId: '+491', jobTitle: 'TWICE-1' },
      { whatsappId: '+491', intro: 'second' },
    ]);
    expect(twice.body.data.createPeople).toEqual([
      expect.objectContaining({ id: b1, jobTitle: 'TWICE-1', intro: 'second' }),
    ]);

    const newTwice = await call('POST', '/rest/batch/people?upsert=true', [
      { whatsappId: '+49500' },
      { whatsappId: '+49500' },
    ]);
    expect(newTwice.status).toBe(400);
    expect(newTwice.body.messages).toEqual(['A duplicate entry was detected']);
    expect(server.records('person')).toHaveLength(4);
  });

  it('refuses an upsert matching two records, with the values in the message and no code', async () => {
    await addUniqueText('whatsappId');
    await addUniqueText('matrixId');
    await call('POST', '/rest/people', { whatsappId: '+4915112345678' });
    await call('POST', '/rest/people', { matrixId: '@anna:example.org' });
    const conflict = await call('POST', '/rest/people?upsert=true', {
      whatsappId: '+4915112345678',
      matrixId: '@anna:example.org',
    });
    expect(conflict.status).toBe(400);
    expect(conflict.body).toEqual({
      statusCode: 400,
      error: 'BadRequestException',
      messages: [
        'Multiple records found with the same unique field values for whatsappId: +4915112345678, matrixId: @anna:example.org. Cannot determine which record to update.',
      ],
    });
  });

  it('restores a soft-deleted record through /rest/restore', async () => {
    const created = await call('POST', '/rest/people', { jobTitle: 'x' });
    const id = created.body.data.createPerson.id as string;
    await call('DELETE', `/rest/people/${id}?soft_delete=true`);
    expect((await call('GET', `/rest/people/${id}`)).status).toBe(404);
    const restored = await call('PATCH', `/rest/restore/people/${id}`);
    expect(restored.status).toBe(200);
    expect((await call('GET', `/rest/people/${id}`)).status).toBe(200);
    expect((await call('DELETE', `/rest/people/${id}`)).body).toEqual({ data: { deletePerson: { id } } });
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
    const created = await call('POST', '/rest/metadata/fields', field);
    expect(created.status).toBe(201);
    // A sign-up workspace answers the bare field.
    expect(created.body).toMatchObject({ name: 'lastSentiment', type: 'SELECT' });
    const twice = await call('POST', '/rest/metadata/fields', field);
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({
      error: 'METADATA_VALIDATION_ERROR',
      errors: { fieldMetadata: [{ errors: [{ code: 'NOT_AVAILABLE' }] }] },
    });
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
    expect((await call('POST', '/rest/metadata/objects', object)).body).toMatchObject({
      errors: { objectMetadata: [{ errors: [{ code: 'OBJECT_ALREADY_EXISTS' }] }] },
    });
    expect((await call('GET', '/rest/chatMessages')).status).toBe(200);
  });

  it('lists metadata in the sign-up format: bare list, id descending, 200 at most, the raw id as cursor', async () => {
    const first = await call('GET', '/rest/metadata/objects?limit=1');
    expect(Array.isArray(first.body.data)).toBe(true);
    expect(first.body.data).toHaveLength(1);
    expect(first.body.pageInfo).toMatchObject({ hasNextPage: true, endCursor: first.body.data[0].id });
    const all = await call('GET', '/rest/metadata/objects');
    const ids = (all.body.data as { id: string }[]).map((o) => o.id);
    expect(ids).toEqual([...ids].sort().reverse());
    const next = await call('GET', `/rest/metadata/objects?limit=1&starting_after=${first.body.data[0].id as string}`);
    expect(next.body.data[0].id).toBe(ids[1]);
    const fields = await call('GET', '/rest/metadata/fields?limit=1000');
    expect(fields.body.data.length).toBe(Math.min(200, fields.body.totalCount as number));
  });

  it('lists metadata in the legacy format when the workspace lacks the new-format flag', async () => {
    await server.close();
    server = await startContractServer({ apiKey: KEY, rateLimits: null, metadataFormat: 'legacy' });
    const list = await call('GET', '/rest/metadata/objects?limit=2');
    expect(list.body.data.objects).toHaveLength(2);
    const created = await call('POST', '/rest/metadata/objects', {
      nameSingular: 'thing',
      namePlural: 'things',
      labelSingular: 'Thing',
      labelPlural: 'Things',
    });
    expect(created.body.data.createOneObject).toMatchObject({ nameSingular: 'thing' });
  });

  it('refuses every metadata route, reads too, to a key without the data-model permission', async () => {
    await server.close();
    server = await startContractServer({ apiKey: KEY, rateLimits: null, dataModelPermission: false });
    const read = await call('GET', '/rest/metadata/objects');
    expect(read).toEqual({
      status: 403,
      body: {
        statusCode: 403,
        error: 'Error',
        messages: ['Entity performing the request does not have permission'],
        code: 'PERMISSION_DENIED',
      },
    });
    expect((await call('GET', '/rest/people')).status).toBe(200);
  });

  it('rate-limits record requests with Twenty’s workspace buckets and its 429 body', async () => {
    await server.close();
    server = await startContractServer({
      apiKey: KEY,
      rateLimits: { shortLimit: 100, shortTtlMs: 1000, longLimit: 5, longTtlMs: 60_000 },
    });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await call('GET', '/rest/people')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await call('GET', '/rest/people')).body).toEqual({
      statusCode: 429,
      error: 'HttpException',
      messages: ['Limit reached (5 tokens per 60000 ms)'],
    });
    // Metadata requests do not go through the query runner's throttle, nor do requests refused while parsing.
    expect((await call('GET', '/rest/metadata/objects')).status).toBe(200);
    expect((await call('GET', '/rest/unicorns')).status).toBe(400);
  });

  it('loses the fraction of a token earned since the last take, as Twenty’s refill arithmetic does', async () => {
    await server.close();
    let now = 0;
    server = await startContractServer({
      apiKey: KEY,
      rateLimits: { shortLimit: 100, shortTtlMs: 1000, longLimit: 3, longTtlMs: 1800 }, // a token per 600 ms
      now: () => now,
    });
    const at = async (ms: number) => {
      now = ms;
      return (await call('GET', '/rest/people')).status;
    };
    // Three tokens, spent; then a request every 599 ms never earns one back, while 600 ms apart would.
    expect([await at(0), await at(1), await at(2)]).toEqual([200, 200, 200]);
    expect(await at(601)).toBe(429); // 599 ms after the last take: floor(0.998) = 0
    expect(await at(602)).toBe(200); // 600 ms: one token, taken, and the clock restarts here
    expect(await at(1201)).toBe(429);
    expect(await at(1202)).toBe(200);
    // Paced at 599 ms after each success, the bucket never refills.
    expect(await at(1801)).toBe(429);
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
