import { randomUUID } from 'node:crypto';
import { badRequest, ContractError } from './errors.ts';
import { matches, parseFilter } from './filter.ts';
import type { FieldMetadata, MetadataStore, ObjectMetadata } from './metadata.ts';
import { emptyValue, uniqueKey, validateInput, type StoredRecord } from './values.ts';

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
   * Creates (or with `upsert`, creates or updates) records, all or nothing as one transaction.
   * Upsert matches on `id` and every unique field, soft-deleted records included (and restores them).
   */
  createMany(object: ObjectMetadata, inputs: readonly unknown[], upsert: boolean): StoredRecord[] {
    const live = this.table(object.id);
    // Work on a copy so a failing record leaves nothing half-written.
    const staged = new Map(live);
    const results: StoredRecord[] = [];
    const uniqueFields = this.metadata.fieldsOf(object.id).filter((f) => f.isUnique);
    for (const input of inputs) {
      const values = validateInput(this.metadata, object, input, (objectId, id) =>
        objectId === object.id ? staged.get(id)?.deletedAt === null : this.exists(objectId, id),
      );
      const found = this.conflicting(staged, uniqueFields, values);
      if (found.length > 0 && !upsert) {
        if (typeof values.id === 'string' && staged.has(values.id)) throw badRequest('Record already exists');
        throw badRequest(
          `A duplicate entry was detected: ${uniqueFields.map((f) => f.name).join(', ')} must be unique`,
          'DUPLICATE_ENTRY',
        );
      }
      if (found.length > 1)
        throw badRequest(
          `Multiple records found with the same unique fields; cannot upsert`,
          'UPSERT_MULTIPLE_MATCHING_RECORDS_CONFLICT',
        );
      const now = new Date().toISOString();
      const existing = found[0];
      const record: StoredRecord =
        existing === undefined
          ? {
              ...this.blank(object),
              ...values,
              id: typeof values.id === 'string' ? values.id : randomUUID(),
              createdAt: now,
              updatedAt: now,
              deletedAt: null,
            }
          : { ...existing, ...values, id: existing.id, createdBy: existing.createdBy, updatedAt: now, deletedAt: null };
      staged.set(record.id, record);
      results.push(record);
    }
    this.tables.set(object.id, staged);
    return results;
  }

  update(object: ObjectMetadata, id: string, input: unknown): StoredRecord {
    const table = this.table(object.id);
    const existing = table.get(id);
    if (existing === undefined || existing.deletedAt !== null) throw new ContractError(404, 'Record not found');
    const values = validateInput(this.metadata, object, input, this.exists);
    const uniqueFields = this.metadata.fieldsOf(object.id).filter((f) => f.isUnique);
    const others = this.conflicting(table, uniqueFields, values).filter((r) => r.id !== id);
    if (others.length > 0) throw badRequest('A duplicate entry was detected', 'DUPLICATE_ENTRY');
    const record = { ...existing, ...values, id, updatedAt: new Date().toISOString() };
    table.set(id, record);
    return record;
  }

  /** Hard delete ("destroy") by default; `soft` moves the record to the trash. */
  delete(object: ObjectMetadata, id: string, soft: boolean): void {
    const table = this.table(object.id);
    const existing = table.get(id);
    if (existing === undefined || (soft && existing.deletedAt !== null))
      throw new ContractError(404, 'Record not found');
    if (soft) table.set(id, { ...existing, deletedAt: new Date().toISOString() });
    else table.delete(id);
  }

  get(object: ObjectMetadata, id: string): StoredRecord {
    const record = this.table(object.id).get(id);
    if (record === undefined || record.deletedAt !== null) throw new ContractError(404, 'Record not found');
    return record;
  }

  find(object: ObjectMetadata, options: FindOptions): Page {
    const limit = parseLimit(options.limit);
    const conditions = options.filter ? parseFilter(options.filter) : [];
    const all = [...this.table(object.id).values()].filter((r) => r.deletedAt === null && matches(r, conditions));
    let start = 0;
    if (options.startingAfter !== undefined) {
      const afterId = Buffer.from(options.startingAfter, 'base64url').toString();
      start = all.findIndex((r) => r.id === afterId) + 1;
      if (start === 0) throw badRequest('Invalid cursor');
    }
    const records = all.slice(start, start + limit);
    return { records, hasNextPage: start + limit < all.length, totalCount: all.length };
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
    const values: Record<string, unknown> = {
      position: 0,
      createdBy: { source: 'API', workspaceMemberId: null, name: 'API key' },
    };
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

export function cursorOf(record: StoredRecord): string {
  return Buffer.from(record.id).toString('base64url');
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`Invalid limit "${raw}"`);
  return Math.min(limit, MAX_LIMIT);
}
