import { randomUUID } from 'node:crypto';
import { badRequest, ContractError, duplicateEntry } from './errors.ts';
import { matches, parseFilter } from './filter.ts';
import type { FieldMetadata, MetadataStore, ObjectMetadata } from './metadata.ts';
import { emptyValue, uniqueFullPath, uniqueKey, validateInput, type StoredRecord } from './values.ts';

export interface FindOptions {
  filter?: string;
  limit?: string;
  startingAfter?: string;
}

export interface Page {
  records: StoredRecord[];
  hasNextPage: boolean;
  totalCount: number;
}

export const DEFAULT_LIMIT = 60;
export const MAX_LIMIT = 200;

/** The workspace's records, one map per object, with Twenty's create, upsert and uniqueness rules. */
export class RecordStore {
  private readonly tables = new Map<string, Map<string, StoredRecord>>();
  private readonly metadata: MetadataStore;

  constructor(metadata: MetadataStore) {
    this.metadata = metadata;
  }

  table(objectId: string): Map<string, StoredRecord> {
    let table = this.tables.get(objectId);
    if (table === undefined) {
      table = new Map();
      this.tables.set(objectId, table);
    }
    return table;
  }

  exists = (objectId: string, id: string): boolean => this.table(objectId).get(id)?.deletedAt === null;

  /**
   * Creates records, all or nothing as one transaction; a unique value held twice (in the table or
   * in the batch) is a duplicate entry. With `upsert`, as Twenty v2.21's common create-many runner:
   * each input is matched on `id` and every unique field, soft-deleted records included (and restored);
   * inputs that match one existing record are merged into one update; the others are inserted. Updates
   * are applied first and inserts after, and the answer lists the updated records (once each, in the
   * order of their first input) and then the inserted ones: never index-aligned with the input.
   */
  createMany(object: ObjectMetadata, inputs: readonly unknown[], upsert: boolean): StoredRecord[] {
    const live = this.table(object.id);
    const uniqueFields = this.metadata.fieldsOf(object.id).filter((f) => f.isUnique);
    const validated = inputs.map((input) =>
      validateInput(this.metadata, object, input, (objectId, id) =>
        objectId === object.id ? live.get(id)?.deletedAt === null : this.exists(objectId, id),
      ),
    );
    const updates = new Map<string, Record<string, unknown>>();
    const inserts: Record<string, unknown>[] = [];
    for (const values of validated) {
      const found = this.conflicting(live, uniqueFields, values);
      if (found.length > 0 && !upsert) throw duplicateEntry();
      if (found.length > 1) throw multipleMatches(uniqueFields, values);
      const existing = found[0];
      if (existing !== undefined) {
        updates.set(existing.id, { ...updates.get(existing.id), ...values });
        continue;
      }
      // Two new inputs with one unique value: the database's unique index refuses the batch.
      const batch = new Map(inserts.map((v, i) => [String(i), { ...v, id: String(i), deletedAt: null }]));
      if (this.conflicting(batch, uniqueFields, { ...values, id: undefined }).length > 0) throw duplicateEntry();
      inserts.push(values);
    }
    const staged = new Map(live);
    const now = new Date().toISOString();
    const results: StoredRecord[] = [];
    for (const [id, values] of updates) {
      const existing = staged.get(id);
      if (existing === undefined) continue;
      const record: StoredRecord = {
        ...existing,
        ...values,
        id,
        createdBy: existing.createdBy,
        updatedAt: now,
        deletedAt: null,
      };
      staged.set(id, record);
      results.push(record);
    }
    for (const values of inserts) {
      const record: StoredRecord = {
        ...this.blank(object),
        ...values,
        id: typeof values.id === 'string' ? values.id : randomUUID(),
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      };
      staged.set(record.id, record);
      results.push(record);
    }
    this.tables.set(object.id, staged);
    return results;
  }

  /** PATCH /rest/restore/{plural}/{id}: takes a soft-deleted record out of the trash. */
  restore(object: ObjectMetadata, id: string): StoredRecord {
    const table = this.table(object.id);
    const existing = table.get(id);
    if (existing === undefined) throw new ContractError(404, 'Record not found');
    const record = { ...existing, deletedAt: null, updatedAt: new Date().toISOString() };
    table.set(id, record);
    return record;
  }

  update(object: ObjectMetadata, id: string, input: unknown): StoredRecord {
    const table = this.table(object.id);
    const existing = table.get(id);
    if (existing === undefined || existing.deletedAt !== null) throw new ContractError(404, 'Record not found');
    const values = validateInput(this.metadata, object, input, this.exists);
    const uniqueFields = this.metadata.fieldsOf(object.id).filter((f) => f.isUnique);
    const others = this.conflicting(table, uniqueFields, values).filter((r) => r.id !== id);
    if (others.length > 0) throw duplicateEntry();
    const record = { ...existing, ...values, id, updatedAt: new Date().toISOString() };
    table.set(id, record);
    return record;
  }

  /**
   * Hard delete ("destroy") by default, answered with the id alone; `soft` moves the record to the
   * trash and answers the whole record.
   */
  delete(object: ObjectMetadata, id: string, soft: boolean): Record<string, unknown> {
    const table = this.table(object.id);
    const existing = table.get(id);
    if (existing === undefined || (soft && existing.deletedAt !== null))
      throw new ContractError(404, 'Record not found');
    if (!soft) {
      table.delete(id);
      return { id };
    }
    const now = new Date().toISOString();
    const record = { ...existing, deletedAt: now, updatedAt: now };
    table.set(id, record);
    return record;
  }

  get(object: ObjectMetadata, id: string): StoredRecord {
    const record = this.table(object.id).get(id);
    if (record === undefined || record.deletedAt !== null) throw new ContractError(404, 'Record not found');
    return record;
  }

  find(object: ObjectMetadata, options: FindOptions): Page {
    const limit = parseLimit(options.limit);
    const filter = options.filter ? parseFilter(options.filter, this.fieldCheck(object)) : undefined;
    const all = [...this.table(object.id).values()].filter(
      (r) => r.deletedAt === null && (filter === undefined || matches(r, filter)),
    );
    let start = 0;
    if (options.startingAfter !== undefined) {
      const afterId = idOfCursor(options.startingAfter);
      start = all.findIndex((r) => r.id === afterId) + 1;
      if (start === 0) throw badRequest('Invalid cursor');
    }
    const records = all.slice(start, start + limit);
    return { records, hasNextPage: start + limit < all.length, totalCount: all.length };
  }

  /** A filter names fields of the object; TEXT-like fields take only their operators (v2.21 messages). */
  private fieldCheck(object: ObjectMetadata) {
    const fields = this.metadata.fieldsOf(object.id);
    return (path: readonly string[], comparator: string) => {
      const [name = ''] = path;
      const field = fields.find((f) => f.name === name || f.relation?.joinColumnName === name);
      if (field === undefined) throw badRequest(`Object ${object.nameSingular} doesn't have any "${name}" field.`);
      if (comparator === 'containsAny' && field.type !== 'ARRAY' && field.type !== 'MULTI_SELECT')
        throw badRequest(
          `Operator "containsAny" is not valid for field "${path.join('.')}" of type TEXT - Allowed operators: eq, neq, gt, gte, lt, lte, in, is, like, ilike, startsWith, endsWith`,
        );
    };
  }

  private conflicting(
    table: Map<string, StoredRecord>,
    uniqueFields: readonly FieldMetadata[],
    values: Record<string, unknown>,
  ): StoredRecord[] {
    const found = new Map<string, StoredRecord>();
    if (typeof values.id === 'string') {
      const byId = table.get(values.id);
      if (byId) found.set(byId.id, byId);
    }
    for (const field of uniqueFields) {
      const key = uniqueKey(field, values[field.name]);
      if (key === undefined) continue;
      for (const record of table.values())
        if (uniqueKey(field, record[field.name]) === key) found.set(record.id, record);
    }
    return [...found.values()];
  }

  private blank(object: ObjectMetadata): Record<string, unknown> {
    const actor = { source: 'API', workspaceMemberId: null, name: 'My api key', context: {} };
    const values: Record<string, unknown> = { position: 0, createdBy: actor, updatedBy: actor, searchVector: '' };
    for (const field of this.metadata.fieldsOf(object.id)) {
      if (field.isSystem) continue;
      if (field.type === 'RELATION') {
        if (field.relation?.joinColumnName) values[field.relation.joinColumnName] = null;
        continue;
      }
      values[field.name] = emptyValue(field);
    }
    return values;
  }
}

/** A records cursor is base64 of `{"id":"<uuid>"}`, as Twenty v2.21 makes it. */
export function cursorOf(record: StoredRecord): string {
  return Buffer.from(JSON.stringify({ id: record.id })).toString('base64');
}

function idOfCursor(cursor: string): string | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64').toString());
    return typeof decoded === 'object' && decoded !== null && 'id' in decoded && typeof decoded.id === 'string'
      ? decoded.id
      : undefined;
  } catch {
    return undefined;
  }
}

/** `limit` is read with parseInt (so 1.5 is 1), must not be negative, and is clamped to 200. */
function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const limit = Number.parseInt(raw, 10);
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit '${raw}' is invalid. Should be an integer`);
  return Math.min(limit, MAX_LIMIT);
}

function multipleMatches(uniqueFields: readonly FieldMetadata[], values: Record<string, unknown>): ContractError {
  const described = uniqueFields
    .map((field) => {
      const key = uniqueKey(field, values[field.name]);
      return key === undefined ? undefined : `${uniqueFullPath(field)}: ${key}`;
    })
    .filter((part) => part !== undefined)
    .join(', ');
  return badRequest(
    `Multiple records found with the same unique field values for ${described}. Cannot determine which record to update.`,
  );
}
