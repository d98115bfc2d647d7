import { dataOf, type TwentyClient } from './client.ts';
import type { FieldSpec, WorkspaceSchema } from './schema.ts';

export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
}

interface FieldInfo {
  id: string;
  name: string;
  type: string;
  options?: { id?: string; value: string; label: string; color: string; position: number }[] | null;
  relation?: { joinColumnName?: string } | null;
}

interface ObjectInfo {
  id: string;
  nameSingular: string;
  fields: FieldInfo[];
}

export interface BootstrapReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** Select values present after bootstrap, by "object.field". */
  options: Record<string, string[]>;
}

/**
 * Makes the workspace hold what `schema` asks for: reads objects and fields through the metadata API
 * and creates only what is missing (Twenty's create calls are not idempotent), adds missing select
 * options, and refuses when an existing field has another type.
 */
export async function bootstrapWorkspace(client: TwentyClient, schema: WorkspaceSchema): Promise<BootstrapReport> {
  const report: BootstrapReport = { created: [], updated: [], unchanged: [], options: {} };
  let objects = await listObjects(client);
  for (const spec of schema.objects) {
    if (objects.some((o) => o.nameSingular === spec.nameSingular)) {
      report.unchanged.push(spec.nameSingular);
      continue;
    }
    await client.post('/rest/metadata/objects', spec);
    report.created.push(spec.nameSingular);
    objects = await listObjects(client);
  }
  const byName = (name: string) => {
    const object = objects.find((o) => o.nameSingular === name);
    if (object === undefined) throw new BootstrapError(`the workspace has no "${name}" object`);
    return object;
  };
  for (const [objectName, fields] of Object.entries(schema.fields)) {
    const object = byName(objectName);
    for (const spec of fields) {
      const label = `${objectName}.${spec.name}`;
      const existing = object.fields.find((f) => f.name === spec.name);
      if (existing === undefined) {
        await client.post('/rest/metadata/fields', createInput(object.id, spec, byName));
        report.created.push(label);
        if (spec.options) report.options[label] = spec.options.map((o) => o.value);
        continue;
      }
      if (existing.type !== spec.type)
        throw new BootstrapError(`${label} exists with type ${existing.type}; Parley needs ${spec.type}`);
      const have = existing.options ?? [];
      const missing = (spec.options ?? []).filter((o) => !have.some((h) => h.value === o.value));
      if (missing.length > 0) {
        const options = [...have, ...missing.map((o, i) => ({ ...o, position: have.length + i }))];
        await client.patch(`/rest/metadata/fields/${existing.id}`, { options });
        report.updated.push(label);
        report.options[label] = options.map((o) => o.value);
      } else {
        report.unchanged.push(label);
        if (spec.options) report.options[label] = have.map((o) => o.value);
      }
    }
  }
  return report;
}

function createInput(objectMetadataId: string, spec: FieldSpec, byName: (name: string) => ObjectInfo) {
  const base = {
    objectMetadataId,
    type: spec.type,
    name: spec.name,
    label: spec.label,
    description: spec.description,
    isNullable: true,
    ...(spec.isUnique ? { isUnique: true } : {}),
  };
  if (spec.type === 'SELECT')
    return { ...base, options: (spec.options ?? []).map((o, position) => ({ ...o, position })) };
  if (spec.type === 'RELATION' && spec.relation)
    return {
      ...base,
      relationCreationPayload: {
        type: 'MANY_TO_ONE',
        targetObjectMetadataId: byName(spec.relation.target).id,
        targetFieldLabel: spec.relation.inverseLabel,
        targetFieldIcon: 'IconMessage',
      },
    };
  return base;
}

/** GET /rest/metadata/objects, following the cursor until the last page. */
async function listObjects(client: TwentyClient): Promise<ObjectInfo[]> {
  const objects: ObjectInfo[] = [];
  let cursor: string | undefined;
  for (;;) {
    const body = await client.get(
      `/rest/metadata/objects?limit=1000${cursor ? `&starting_after=${encodeURIComponent(cursor)}` : ''}`,
    );
    const page = dataOf(body);
    if (!Array.isArray(page)) throw new BootstrapError('unexpected answer from /rest/metadata/objects');
    objects.push(...(page as ObjectInfo[]));
    const info = body.pageInfo as { hasNextPage?: boolean; endCursor?: string | null } | undefined;
    if (!info?.hasNextPage || !info.endCursor) return objects;
    cursor = info.endCursor;
  }
}
