import { z } from 'zod';
import type { TwentyClient } from './client.ts';
import { DataModelPermissionError, TwentyAuthError } from './errors.ts';
import type { FieldSpec, WorkspaceSchema } from './schema.ts';

export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
}

const Option = z.looseObject({
  id: z.string().optional(),
  value: z.string(),
  label: z.string(),
  color: z.string(),
  position: z.number().optional(),
});
const FieldInfo = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  options: z.array(Option).nullish(),
});
const ObjectInfo = z.looseObject({ id: z.string(), nameSingular: z.string(), fields: z.array(FieldInfo) });
type ObjectInfo = z.output<typeof ObjectInfo>;
const PageInfo = z.looseObject({ hasNextPage: z.boolean().optional(), endCursor: z.string().nullish() }).optional();

/**
 * A page of `GET /rest/metadata/objects` in either of Twenty's formats: workspaces with the feature flag
 * IS_REST_METADATA_API_NEW_FORMAT_DIRECT (every workspace created by sign-up) answer `{data: [...]}`,
 * others `{data: {objects: [...]}}`. A page may hold exactly one object.
 */
const ObjectsPage = z.union([
  z.looseObject({ data: z.array(ObjectInfo), pageInfo: PageInfo }),
  z.looseObject({ data: z.looseObject({ objects: z.array(ObjectInfo) }), pageInfo: PageInfo }),
]);

/** Twenty clamps metadata pages to 200 objects. */
const PAGE_LIMIT = 200;
const LIST_OBJECTS = 'GET /rest/metadata/objects';

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
 * options, and refuses when an existing field has another type. A key whose role lacks the data-model
 * permission gets `DataModelPermissionError`, naming the call that needed it.
 */
export async function bootstrapWorkspace(client: TwentyClient, schema: WorkspaceSchema): Promise<BootstrapReport> {
  try {
    return await bootstrap(client, schema);
  } catch (error) {
    if (error instanceof TwentyAuthError && error.isPermissionDenied)
      throw new DataModelPermissionError(`${error.method} ${error.path.split('?')[0] ?? error.path}`, error);
    throw error;
  }
}

async function bootstrap(client: TwentyClient, schema: WorkspaceSchema): Promise<BootstrapReport> {
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
        targetFieldIcon: spec.relation.inverseIcon ?? 'IconMessage',
      },
    };
  return base;
}

/** Every object with its fields, following the cursor (the last object's raw id) to the last page. */
export async function listObjects(client: TwentyClient): Promise<ObjectInfo[]> {
  const objects: ObjectInfo[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const body = await client.get(
      `/rest/metadata/objects?limit=${String(PAGE_LIMIT)}${cursor ? `&starting_after=${encodeURIComponent(cursor)}` : ''}`,
    );
    const page = ObjectsPage.safeParse(body);
    if (!page.success)
      throw new BootstrapError(`unexpected answer from ${LIST_OBJECTS}: ${z.prettifyError(page.error).slice(0, 500)}`);
    const items = Array.isArray(page.data.data) ? page.data.data : page.data.data.objects;
    for (const object of items) if (!seen.has(object.id)) objects.push(object);
    for (const object of items) seen.add(object.id);
    const next = page.data.pageInfo?.endCursor;
    // No next page, or a cursor that brings nothing new (a server that ignores it): done.
    if (!page.data.pageInfo?.hasNextPage || !next || next === cursor || items.length === 0) return objects;
    cursor = next;
  }
}
