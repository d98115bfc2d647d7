/* Replays the exchanges recorded against a real Twenty v2.21.0 (test/fixtures/twenty-v2.21.0) against
   the contract server and compares status and body shape. Ids, timestamps and cursors may differ; the
   recorded ids in a path are replaced by the contract server's ids for the same records. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContractServer, type ContractServer, type ContractServerOptions } from '../src/index.ts';

interface Recorded {
  label: string;
  method: string;
  path: string;
  status: number;
  body: unknown;
  listLength?: number;
  errorCodes?: string[];
}

interface Request {
  body?: unknown;
  /** Which server answers: the main one, one whose key lacks the data-model permission, or an expired key. */
  as?: 'guest' | 'expired' | 'no-key' | 'bad-key';
  /** The real answer's list length must be matched (lists the replay seeded alike). */
  sameLength?: boolean;
  /** A message that holds a database-specific name, compared by pattern. */
  message?: RegExp;
}

const load = (name: string): Recorded[] =>
  JSON.parse(readFileSync(new URL(`./fixtures/twenty-v2.21.0/${name}`, import.meta.url), 'utf8')) as Recorded[];

const KEY = 'replay-key';
const S = 'mx3i2qa5';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const person = (firstName: string, email: string, extra: Record<string, unknown> = {}) => ({
  name: { firstName },
  emails: { primaryEmail: `${email}-${S}@example.org` },
  ...extra,
});

/** The request behind each recorded label (the probe recorded answers, not request bodies). */
const REQUESTS: Record<string, Request> = {
  list: {},
  'list-next': {},
  'list-limit-500': { sameLength: true },
  'list-no-auth': { as: 'no-key' },
  'list-bad-auth': { as: 'bad-key' },
  'create-one': {
    body: person('Probe', 'p1', {
      name: { firstName: 'Probe', lastName: S },
      phones: { primaryPhoneNumber: '+33612345678' },
    }),
  },
  'create-dup-email': { body: person('Dup', 'p1') },
  'create-existing-id': { body: { id: '426d3b9e-22c6-43ba-bf71-857a176dc7f4' } },
  'create-unknown-field': { body: { nope: 1 } },
  'create-bad-phone': { body: { phones: { primaryPhoneNumber: '+33612345678', primaryPhoneCallingCode: '+49' } } },
  'create-bad-select': { body: { title: `bad-${S}`, status: 'NOPE' } },
  'note-legacy-body': { body: { title: `note-${S}`, body: 'legacy' } },
  'task-markdown': { body: { title: `md-${S}`, bodyV2: { markdown: '# Hi\n\nsome **bold**' } } },
  taskTarget: {
    body: { taskId: '3cbf4082-bb1d-499c-ba76-642dd1f93b44', targetPersonId: '426d3b9e-22c6-43ba-bf71-857a176dc7f4' },
  },
  'patch-one': { body: { jobTitle: 'Prober' } },
  'batch-create': { body: [person('B1', 'b1'), person('B2', 'b2')], sameLength: true },
  'batch-empty': { body: [], sameLength: true },
  'batch-object': { body: { not: 'an array' } },
  'batch-61': {
    body: Array.from({ length: 61 }, (_, i) => person(`m${String(i)}`, `m${String(i)}`)),
    sameLength: true,
  },
  'batch-201': { body: Array.from({ length: 201 }, (_, i) => person(`x${String(i)}`, `x${String(i)}`)) },
  'batch-one-bad': { body: [person('OK', 'ok'), { nope: 1 }] },
  'after-one-bad': { sameLength: true },
  'batch-upsert-mixed': {
    body: [person('NEW-A', 'new-a'), person('OLD-B2', 'b2'), person('NEW-C', 'new-c'), person('OLD-B1', 'b1')],
    sameLength: true,
  },
  'batch-upsert-same-twice': { body: [person('TWICE-1', 'b1'), person('TWICE-2', 'b1')], sameLength: true },
  'batch-upsert-new-twice': { body: [person('NEW-D', 'new-d'), person('NEW-D2', 'new-d')] },
  'upsert-one': { body: person('UP1', 'p1', { name: { firstName: 'UP1', lastName: S } }) },
  'upsert-restores': { body: person('BACK', 'p1', { name: { firstName: 'BACK', lastName: S } }) },
  'filter-eq': { sameLength: true },
  'filter-in': { sameLength: true },
  'filter-in-unquoted': { sameLength: true },
  'filter-or': { sameLength: true },
  'filter-and': { sameLength: true },
  'filter-comma': { sameLength: true },
  'filter-ilike': { sameLength: true },
  // metadata (legacy format, as the probed workspace had it)
  'create-object': {
    body: {
      nameSingular: `probeThing${S}`,
      namePlural: `probeThings${S}`,
      labelSingular: 'Probe thing',
      labelPlural: 'Probe things',
      description: 'probe',
      icon: 'IconMessage',
    },
  },
  'create-object-again': {
    body: {
      nameSingular: `probeThing${S}`,
      namePlural: `probeThings${S}`,
      labelSingular: 'Probe thing',
      labelPlural: 'Probe things',
    },
  },
  'create-object-reserved': {
    body: { nameSingular: 'person', namePlural: 'people', labelSingular: 'Person', labelPlural: 'People' },
  },
  'records-of-new-object': { sameLength: true },
  'create-text-unique': { body: { type: 'TEXT', name: 'externalId', label: 'External ID', isUnique: true } },
  'create-field-again': { body: { type: 'TEXT', name: 'externalId', label: 'External ID', isUnique: true } },
  'create-field-reserved': { body: { type: 'TEXT', name: 'id', label: 'Id' } },
  'create-field-notcamel': { body: { type: 'TEXT', name: 'Bad Name', label: 'Bad name' } },
  'create-select': {
    body: {
      type: 'SELECT',
      name: 'sentiment',
      label: 'Sentiment',
      options: [
        { value: 'POSITIVE', label: 'Positive', color: 'green', position: 0 },
        { value: 'NEGATIVE', label: 'Negative', color: 'red', position: 1 },
      ],
    },
  },
  'create-select-badcolor': {
    body: {
      type: 'SELECT',
      name: 'mood',
      label: 'Mood',
      options: [{ value: 'A', label: 'A', color: 'chartreuse', position: 0 }],
    },
  },
  'create-select-lowercase': {
    body: {
      type: 'SELECT',
      name: 'mood2',
      label: 'Mood2',
      options: [{ value: 'lower case', label: 'x', color: 'red', position: 0 }],
    },
  },
  'create-select-noposition': {
    body: { type: 'SELECT', name: 'mood3', label: 'Mood3', options: [{ value: 'A', label: 'A', color: 'red' }] },
  },
  'patch-select-options': {
    body: {
      options: [
        { value: 'POSITIVE', label: 'Positive', color: 'green', position: 0 },
        { value: 'NEGATIVE', label: 'Negative', color: 'red', position: 1 },
        { value: 'NEUTRAL', label: 'Neutral', color: 'gray', position: 2 },
      ],
    },
  },
  'patch-select-options-no-ids': {
    body: {
      options: [
        { value: 'POSITIVE', label: 'Positive', color: 'green', position: 0 },
        { value: 'NEGATIVE', label: 'Negative', color: 'red', position: 1 },
      ],
    },
  },
  'create-relation': {
    body: {
      type: 'RELATION',
      name: 'person',
      label: 'Person',
      relationCreationPayload: {
        type: 'MANY_TO_ONE',
        targetFieldLabel: `Probe things ${S}`,
        targetFieldIcon: 'IconMessage',
      },
    },
  },
  'rec-create': {
    body: [
      { name: 'one', externalId: 'e1', sentiment: 'POSITIVE' },
      { name: 'two', externalId: 'e2' },
    ],
    sameLength: true,
  },
  'rec-upsert': {
    body: [
      { name: 'one again', externalId: 'e1' },
      { name: 'three', externalId: 'e3' },
    ],
    sameLength: true,
  },
  'rec-bad-join': {
    body: { name: 'bad join', personId: '00000000-0000-4000-8000-000000000000' },
    message: /^insert or update on table "_\w+" violates foreign key constraint "FK_\w+"$/,
  },
  'rec-empty-unique-1': { body: { name: 'empty1', externalId: '' } },
  'rec-empty-unique-2': { body: { name: 'empty2', externalId: '' } },
  'rec-null-unique': { body: { name: 'null unique', externalId: null } },
  'rec-null-unique-2': { body: { name: 'null unique 2', externalId: null } },
  // validation (a workspace bootstrapped by Parley)
  'num-as-string': { body: { name: 'x', confidence: 'abc' } },
  'date-invalid': { body: { name: 'x', sentAt: 'not a date' } },
  'text-as-number': { body: { name: 'x', text: 123 } },
  'uuid-invalid': { body: { name: 'x', personId: 'not-a-uuid' } },
  'select-invalid': { body: { name: 'x', channel: 'CARRIER_PIGEON' } },
  'composite-unknown-sub': { body: { name: { firstName: 'a', middleName: 'b' } } },
  'emails-as-string': { body: { emails: 'a@b.c' } },
  'mk-a': { body: { name: { firstName: 'VA' }, whatsappId: `+49151007zlj1` } },
  'mk-b': { body: { name: { firstName: 'VB' }, whatsappId: `+49151007zlj2` } },
  'patch-dup-unique': { body: { whatsappId: `+49151007zlj1` } },
  'patch-missing': { body: { jobTitle: 'x' } },
  'upsert-false-string': { body: { whatsappId: `+49151007zlj1` } },
  'member-meta-write': {
    as: 'guest',
    body: { nameSingular: 'nope', namePlural: 'nopes', labelSingular: 'Nope', labelPlural: 'Nopes' },
  },
  'guest-meta-read': { as: 'guest' },
  'expired-token': { as: 'expired' },
};

/**
 * The contract server's answer must hold the real one's envelope, and nothing the real one lacks: every key
 * it answers exists in the real answer with the same JSON type (records and metadata objects carry more
 * keys on the real server, for features Parley does not use).
 */
function expectShape(ours: unknown, real: unknown, path: string): void {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  // A default value's type is the field's own (text, boolean, object…): any JSON type is real.
  if (kind(real) === 'null' || kind(ours) === 'null' || path.endsWith('.defaultValue')) return;
  expect(kind(ours), `type at ${path}`).toBe(kind(real));
  if (Array.isArray(ours) && Array.isArray(real)) {
    // Items differ in the keys they carry (a SELECT field has options); compare with all real items at once.
    const merged: unknown = real.every(isRecord) ? real.reduce(deepMerge, {}) : real[0];
    if (merged !== undefined)
      ours.slice(0, 5).forEach((item, i) => {
        expectShape(item, merged, `${path}[${String(i)}]`);
      });
    return;
  }
  if (isRecord(ours) && isRecord(real))
    for (const key of Object.keys(ours)) {
      expect(Object.keys(real), `${path}.${key} is not in the real answer`).toContain(key);
      expectShape(ours[key], real[key], `${path}.${key}`);
    }
}

/** Every key any of the real items has, with a non-null value where one has it. */
function deepMerge(into: Record<string, unknown>, item: Record<string, unknown>): Record<string, unknown> {
  const out = { ...into };
  for (const [key, value] of Object.entries(item)) {
    const have = out[key];
    if (isRecord(have) && isRecord(value)) out[key] = deepMerge(have, value);
    else if (have === undefined || have === null) out[key] = value;
  }
  return out;
}

/** Top-level keys, the keys under `data` and the page info must be the real ones exactly. */
function expectEnvelope(ours: unknown, real: unknown): void {
  if (!isRecord(real) || !isRecord(ours)) return;
  expect(Object.keys(ours).sort()).toEqual(Object.keys(real).sort());
  if (isRecord(real.data) && isRecord(ours.data))
    expect(Object.keys(ours.data).sort()).toEqual(Object.keys(real.data).sort());
  if (isRecord(real.pageInfo))
    expect(Object.keys(ours.pageInfo ?? {}).sort()).toEqual(Object.keys(real.pageInfo).sort());
}

function listLength(body: unknown): number | undefined {
  if (!isRecord(body)) return undefined;
  if (Array.isArray(body.data)) return body.data.length;
  if (isRecord(body.data)) for (const value of Object.values(body.data)) if (Array.isArray(value)) return value.length;
  return undefined;
}

class Replay {
  /** Recorded id or cursor → the contract server's id or cursor for the same thing. */
  private readonly ids = new Map<string, string>();
  readonly servers: Record<'main' | 'guest', ContractServer>;

  constructor(servers: Record<'main' | 'guest', ContractServer>, aliases: Record<string, string> = {}) {
    this.servers = servers;
    for (const [from, to] of Object.entries(aliases)) this.ids.set(from, to);
  }

  async run(recorded: Recorded): Promise<void> {
    const request = REQUESTS[recorded.label] ?? {};
    // A standard object's id differs per workspace: pair it by name before the path is translated.
    const named = isRecord(recorded.body) && isRecord(recorded.body.data) ? recorded.body.data.object : undefined;
    if (isRecord(named) && typeof named.id === 'string' && typeof named.nameSingular === 'string') {
      const ours = this.servers.main.metadata.objectBySingular(named.nameSingular);
      if (ours !== undefined && !this.ids.has(named.id)) this.ids.set(named.id, ours.id);
    }
    const server = request.as === 'guest' ? this.servers.guest : this.servers.main;
    const key = request.as === 'expired' ? 'expired-key' : request.as === 'bad-key' ? 'wrong-key' : KEY;
    const path = this.translate(recorded.path);
    const body: unknown =
      request.body === undefined ? undefined : JSON.parse(this.translate(JSON.stringify(request.body)));
    const response = await fetch(`${server.url}${path}`, {
      method: recorded.method,
      headers: {
        ...(request.as === 'no-key' ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const ours: unknown = await response.json();
    const where = `${recorded.label}: ${recorded.method} ${path} → ${JSON.stringify(ours).slice(0, 400)}`;
    expect(response.status, where).toBe(recorded.status);
    if (recorded.status >= 400) this.expectError(ours, recorded, request, where);
    else {
      expectEnvelope(ours, recorded.body);
      expectShape(ours, recorded.body, recorded.label);
      if (request.sameLength) expect(listLength(ours), where).toBe(recorded.listLength);
      this.learn(recorded.body, ours);
    }
  }

  private expectError(ours: unknown, recorded: Recorded, request: Request, where: string): void {
    expect(isRecord(ours), where).toBe(true);
    if (!isRecord(ours) || !isRecord(recorded.body)) return;
    expect(Object.keys(ours).sort(), where).toEqual(Object.keys(recorded.body).sort());
    if (recorded.errorCodes) {
      const codes =
        JSON.stringify(ours.errors)
          .match(/"code":"(\w+)"/g)
          ?.map((c) => c.slice(8, -1)) ?? [];
      expect(codes.length, where).toBeGreaterThan(0);
      for (const code of codes) expect(recorded.errorCodes, where).toContain(code);
      expect(ours.message, where).toBe(recorded.body.message);
      return;
    }
    const { messages, ...rest } = recorded.body;
    const { messages: ourMessages, ...ourRest } = ours;
    expect(ourRest, where).toEqual(rest);
    if (request.message) expect((ourMessages as string[])[0], where).toMatch(request.message);
    else expect(ourMessages, where).toEqual(messages);
  }

  /** Walks both answers side by side and pairs the ids and cursors found at the same place. */
  private learn(real: unknown, ours: unknown): void {
    if (typeof real === 'string' && typeof ours === 'string') {
      if (real !== ours && (UUID.test(real) || /^ey/.test(real))) this.ids.set(real, ours);
      UUID.lastIndex = 0;
      return;
    }
    if (Array.isArray(real) && Array.isArray(ours))
      real.forEach((r, i) => {
        this.learn(r, ours[i]);
      });
    else if (isRecord(real) && isRecord(ours)) for (const key of Object.keys(real)) this.learn(real[key], ours[key]);
  }

  private translate(text: string): string {
    let out = text;
    for (const [real, ours] of this.ids)
      out = out.replaceAll(real, ours).replaceAll(encodeURIComponent(real), encodeURIComponent(ours));
    return out;
  }
}

describe('the contract server replays what a real Twenty v2.21.0 answered', () => {
  const started: ContractServer[] = [];
  const start = async (options: Partial<ContractServerOptions>) => {
    const server = await startContractServer({
      apiKey: KEY,
      rateLimits: null,
      expiredApiKeys: ['expired-key'],
      ...options,
    });
    started.push(server);
    return server;
  };
  afterAll(async () => Promise.all(started.map((s) => s.close())));

  describe('records API (probe-records.json)', () => {
    let replay: Replay;
    beforeAll(async () => {
      const main = await start({});
      const people = main.metadata.objectBySingular('person');
      if (people === undefined) throw new Error('no person object');
      // The probed workspace held Twenty's 1,200 seeded people; 250 show every list limit.
      main.store.createMany(
        people,
        Array.from({ length: 250 }, (_, i) => ({
          name: { firstName: `Seed${String(i)}` },
          emails: { primaryEmail: `seed-${String(i)}@example.com` },
        })),
        false,
      );
      replay = new Replay({ main, guest: await start({ dataModelPermission: false }) });
    });
    for (const recorded of load('records.json'))
      it(`${recorded.label}: ${String(recorded.status)}`, async () => {
        await replay.run(recorded);
      });

    it('answers a mixed batch upsert with the updated records first, then the inserted ones', async () => {
      const mixed = load('records.json').find((r) => r.label === 'batch-upsert-mixed');
      const names = (body: unknown) => JSON.stringify(body).match(/"firstName":"[A-Z-0-9]+"/g);
      expect(names(mixed?.body)).toEqual(['"firstName":"OLD-B2"', '"firstName":"OLD-B1"', '"firstName":"NEW-A"']);
      const people = replay.servers.main.records('person').filter((p) => JSON.stringify(p).includes(S));
      expect(people.filter((p) => JSON.stringify(p).includes('"NEW-A"'))).toHaveLength(1);
    });
  });

  describe('metadata API (probe-meta.json, legacy format)', () => {
    let replay: Replay;
    let objectId = '';
    beforeAll(async () => {
      const main = await start({ metadataFormat: 'legacy' });
      // This probe ran with another name suffix than the records probe.
      replay = new Replay({ main, guest: await start({ dataModelPermission: false }) }, { [S]: 'mx3i37su' });
    });
    for (const recorded of load('metadata.json'))
      it(`${recorded.label}: ${String(recorded.status)}`, async () => {
        // Field creations name the object the probe created (or person for the relation's target).
        const request = REQUESTS[recorded.label];
        if (recorded.label === 'create-object') {
          await replay.run(recorded);
          objectId = replay.servers.main.metadata.objectBySingular('probeThingmx3i37su')?.id ?? '';
          return;
        }
        if (request?.body !== undefined && isRecord(request.body) && 'type' in request.body) {
          const personId = replay.servers.main.metadata.objectBySingular('person')?.id ?? '';
          Object.assign(request.body, { objectMetadataId: objectId });
          const payload = request.body.relationCreationPayload;
          if (isRecord(payload)) Object.assign(payload, { targetObjectMetadataId: personId });
        }
        await replay.run(recorded);
      });
  });

  describe('validation and permissions (probe-valid.json)', () => {
    let replay: Replay;
    beforeAll(async () => {
      const main = await start({});
      const call = async (path: string, body: unknown) => {
        const response = await fetch(`${main.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (response.status !== 201) throw new Error(`${path}: ${await response.text()}`);
      };
      // The part of Parley's bootstrap these answers depend on.
      const personId = main.metadata.objectBySingular('person')?.id;
      await call('/rest/metadata/objects', {
        nameSingular: 'chatMessage',
        namePlural: 'chatMessages',
        labelSingular: 'Chat message',
        labelPlural: 'Chat messages',
      });
      const chatId = main.metadata.objectBySingular('chatMessage')?.id;
      const field = (objectMetadataId: string | undefined, spec: Record<string, unknown>) =>
        call('/rest/metadata/fields', { objectMetadataId, label: String(spec.name), ...spec });
      await field(personId, { type: 'TEXT', name: 'whatsappId', isUnique: true });
      await field(personId, { type: 'TEXT', name: 'matrixId', isUnique: true });
      await field(chatId, { type: 'NUMBER', name: 'confidence' });
      await field(chatId, { type: 'DATE_TIME', name: 'sentAt' });
      await field(chatId, { type: 'TEXT', name: 'text' });
      await field(chatId, {
        type: 'SELECT',
        name: 'channel',
        options: ['WHATSAPP', 'MATRIX', 'TELEGRAM', 'SIGNAL', 'INSTAGRAM', 'MESSENGER', 'OTHER'].map(
          (value, position) => ({
            value,
            label: value,
            color: 'gray',
            position,
          }),
        ),
      });
      await field(chatId, {
        type: 'RELATION',
        name: 'person',
        relationCreationPayload: {
          type: 'MANY_TO_ONE',
          targetObjectMetadataId: personId,
          targetFieldLabel: 'Chat messages',
        },
      });
      replay = new Replay({ main, guest: await start({ dataModelPermission: false }) });
    });
    for (const recorded of load('validation.json'))
      it(`${recorded.label}: ${String(recorded.status)}`, async () => {
        await replay.run(recorded);
      });
  });
});
