import { randomUUID } from 'node:crypto';
import { badRequest, ContractError, MetadataValidationError } from './errors.ts';
import {
  FIELD_TYPES,
  type FieldMetadata,
  type FieldType,
  type MetadataStore,
  type ObjectMetadata,
  type SelectOption,
} from './metadata.ts';

const CAMEL = /^[a-z][a-zA-Z0-9]*$/;
const ENUM_VALUE = /^[A-Z][A-Z0-9_]*$/;
const RESERVED = new Set([
  'id',
  'type',
  'object',
  'field',
  'fields',
  'data',
  'event',
  'events',
  'user',
  'users',
  'select',
  'where',
  'from',
  'table',
]);
const objectError = (code: string, detail: string, value?: unknown) =>
  new MetadataValidationError(
    'Multiple validation errors occurred while creating object',
    'objectMetadata',
    code,
    detail,
    value,
  );
const fieldError = (code: string, detail: string, value?: unknown) =>
  new MetadataValidationError(
    'Multiple validation errors occurred while creating fields',
    'fieldMetadata',
    code,
    detail,
    value,
  );
const notAvailable = (name: string) =>
  fieldError('NOT_AVAILABLE', `Name "${name}" is not available as it is already used by another field`, name);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** POST /rest/metadata/objects: creates a custom object; a name in use is OBJECT_ALREADY_EXISTS. */
export function createObject(store: MetadataStore, input: unknown): ObjectMetadata {
  if (!isObject(input)) throw badRequest('Invalid input: expected an object');
  const allowed = new Set([
    'nameSingular',
    'namePlural',
    'labelSingular',
    'labelPlural',
    'description',
    'icon',
    'isLabelSyncedWithName',
  ]);
  for (const key of Object.keys(input)) if (!allowed.has(key)) throw badRequest(`property ${key} should not exist`);
  const { nameSingular, namePlural, labelSingular, labelPlural } = input;
  for (const [key, value] of Object.entries({ nameSingular, namePlural, labelSingular, labelPlural }))
    if (typeof value !== 'string' || value === '') throw badRequest(`${key} must be a non-empty string`);
  for (const name of [nameSingular, namePlural] as string[]) {
    if (!CAMEL.test(name))
      throw objectError(
        'INVALID_OBJECT_INPUT',
        'Name is not valid: it must start with lowercase letter and contain only alphanumeric letters',
        name,
      );
    if (RESERVED.has(name)) throw objectError('NOT_AVAILABLE', `Name "${name}" is not available`, name);
  }
  if (nameSingular === namePlural)
    throw objectError('INVALID_OBJECT_INPUT', 'The singular and plural name cannot be the same');
  for (const object of store.objects.values())
    if ([object.nameSingular, object.namePlural].some((n) => n === nameSingular || n === namePlural))
      throw objectError('OBJECT_ALREADY_EXISTS', 'Object already exists', nameSingular);
  const object = store.addObject({
    nameSingular: nameSingular as string,
    namePlural: namePlural as string,
    labelSingular: labelSingular as string,
    labelPlural: labelPlural as string,
    description: typeof input.description === 'string' ? input.description : null,
    icon: typeof input.icon === 'string' ? input.icon : null,
    isCustom: true,
  });
  return object;
}

/** POST /rest/metadata/fields: creates a field; a name in use is NOT_AVAILABLE. */
export function createField(store: MetadataStore, input: unknown): FieldMetadata {
  if (!isObject(input)) throw badRequest('Invalid input: expected an object');
  const allowed = new Set([
    'objectMetadataId',
    'type',
    'name',
    'label',
    'description',
    'icon',
    'isNullable',
    'isUnique',
    'options',
    'defaultValue',
    'settings',
    'isLabelSyncedWithName',
    'relationCreationPayload',
  ]);
  for (const key of Object.keys(input)) if (!allowed.has(key)) throw badRequest(`property ${key} should not exist`);
  const object = typeof input.objectMetadataId === 'string' ? store.objects.get(input.objectMetadataId) : undefined;
  if (object === undefined) throw fieldError('OBJECT_METADATA_NOT_FOUND', 'Object metadata not found');
  const { name, label, type } = input;
  if (typeof name !== 'string' || !CAMEL.test(name))
    throw fieldError(
      'INVALID_FIELD_INPUT',
      'Name is not valid: it must start with lowercase letter and contain only alphanumeric letters',
      name,
    );
  // v2.21 reports a reserved name such as `id` as taken by another field.
  if (RESERVED.has(name)) throw notAvailable(name);
  if (typeof label !== 'string' || label === '') throw badRequest('label must be a non-empty string');
  if (
    typeof type !== 'string' ||
    !(FIELD_TYPES as readonly string[]).includes(type) ||
    type === 'UUID' ||
    type === 'ACTOR' ||
    type === 'POSITION' ||
    type === 'TS_VECTOR'
  )
    throw badRequest(`Invalid field type "${String(type)}"`);
  const taken = (n: string) => store.fieldsOf(object.id).some((f) => f.name === n || f.relation?.joinColumnName === n);
  if (taken(name)) throw notAvailable(name);
  const common = {
    label,
    description: typeof input.description === 'string' ? input.description : null,
    icon: typeof input.icon === 'string' ? input.icon : null,
    isCustom: true,
    isNullable: input.isNullable !== false,
    isUnique: input.isUnique === true,
    defaultValue: input.defaultValue ?? null,
  };
  if (type === 'RELATION') {
    const payload = input.relationCreationPayload;
    if (!isObject(payload) || payload.type !== 'MANY_TO_ONE' || typeof payload.targetObjectMetadataId !== 'string')
      throw badRequest('relationCreationPayload with type MANY_TO_ONE and targetObjectMetadataId is required');
    const target = store.objects.get(payload.targetObjectMetadataId);
    if (target === undefined) throw fieldError('OBJECT_METADATA_NOT_FOUND', 'Object metadata not found');
    const inverseLabel = typeof payload.targetFieldLabel === 'string' ? payload.targetFieldLabel : object.labelPlural;
    const inverseName = camelCase(inverseLabel);
    if (store.fieldsOf(target.id).some((f) => f.name === inverseName)) throw notAvailable(inverseName);
    const field = store.addManyToOne(object.id, name, target.id, inverseName, inverseLabel);
    Object.assign(field, common);
    return field;
  }
  const options = type === 'SELECT' ? validateOptions(input.options, fieldError) : null;
  if (type === 'SELECT' && typeof common.defaultValue === 'string') {
    const value = common.defaultValue.replace(/^'|'$/g, '');
    if (!options?.some((o) => o.value === value))
      throw badRequest(`Default value "${value}" is not one of the options`);
  }
  return store.addField(object.id, { ...common, name, type: type as FieldType, options });
}

/** PATCH /rest/metadata/fields/:id: label, description, icon, options (SELECT) and isActive may change. */
export function updateField(store: MetadataStore, id: string, input: unknown): FieldMetadata {
  const field = store.fields.get(id);
  if (field === undefined)
    throw new ContractError(404, 'Field metadata not found', { code: 'FIELD_METADATA_NOT_FOUND' });
  if (!isObject(input)) throw badRequest('Invalid input: expected an object');
  const allowed = new Set(['label', 'description', 'icon', 'options', 'isActive', 'defaultValue']);
  for (const key of Object.keys(input)) if (!allowed.has(key)) throw badRequest(`property ${key} should not exist`);
  if (input.options !== undefined) {
    if (field.type !== 'SELECT') throw badRequest('Only SELECT fields have options');
    field.options = validateOptions(input.options, (_code, detail) => badRequest(detail));
  }
  if (typeof input.label === 'string') field.label = input.label;
  if (typeof input.description === 'string') field.description = input.description;
  if (typeof input.icon === 'string') field.icon = input.icon;
  if (typeof input.isActive === 'boolean') field.isActive = input.isActive;
  field.updatedAt = new Date().toISOString();
  return field;
}

/**
 * SELECT options: values must be UPPER_SNAKE_CASE and distinct, labels non-empty. v2.21 validates
 * neither colour nor position: a colour outside the list and a missing position are stored as given.
 */
function validateOptions(
  raw: unknown,
  fail: (code: string, detail: string, value?: unknown) => ContractError,
): SelectOption[] {
  if (!Array.isArray(raw) || raw.length === 0) throw fail('INVALID_FIELD_INPUT', 'A SELECT field needs options');
  const seen = new Set<string>();
  return raw.map((option: unknown) => {
    if (!isObject(option)) throw fail('INVALID_FIELD_INPUT', 'An option must be an object');
    const { value, label, color, position } = option;
    if (typeof value !== 'string' || !ENUM_VALUE.test(value))
      throw fail('INVALID_FIELD_INPUT', `Value must be in UPPER_CASE and follow snake_case "${String(value)}"`, value);
    if (seen.has(value)) throw fail('INVALID_FIELD_INPUT', `Duplicated option value "${value}"`, value);
    seen.add(value);
    if (typeof label !== 'string' || label === '') throw fail('INVALID_FIELD_INPUT', `Option "${value}" needs a label`);
    return {
      id: typeof option.id === 'string' ? option.id : randomUUID(),
      value,
      label,
      color: typeof color === 'string' ? color : 'gray',
      ...(typeof position === 'number' ? { position } : {}),
    };
  });
}

function camelCase(label: string): string {
  const words = label
    .replace(/[^A-Za-z0-9 ]/g, ' ')
    .trim()
    .split(/\s+/);
  return words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
}
