import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { badRequest } from './errors.ts';
import type { FieldMetadata, MetadataStore, ObjectMetadata } from './metadata.ts';

export type StoredRecord = Record<string, unknown> & { id: string; deletedAt: string | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Writable input keys of an object: its data fields, `id`, `position`, and join columns of MANY_TO_ONE relations. */
export function writableFields(metadata: MetadataStore, object: ObjectMetadata): Map<string, FieldMetadata> {
  const writable = new Map<string, FieldMetadata>();
  for (const field of metadata.fieldsOf(object.id)) {
    if (field.type === 'RELATION') {
      if (field.relation?.type === 'MANY_TO_ONE' && field.relation.joinColumnName)
        writable.set(field.relation.joinColumnName, field);
      continue;
    }
    if (field.isSystem && field.name !== 'id' && field.name !== 'position') continue;
    writable.set(field.name, field);
  }
  return writable;
}

/** Empty values of composite fields, as Twenty returns them for a record that never set them. */
export function emptyValue(field: FieldMetadata): unknown {
  switch (field.type) {
    case 'TEXT':
      return '';
    case 'MULTI_SELECT':
    case 'ARRAY':
      return [];
    case 'FULL_NAME':
      return { firstName: '', lastName: '' };
    case 'EMAILS':
      return { primaryEmail: '', additionalEmails: [] };
    case 'PHONES':
      return {
        primaryPhoneNumber: '',
        primaryPhoneCountryCode: '',
        primaryPhoneCallingCode: '',
        additionalPhones: [],
      };
    case 'LINKS':
      return { primaryLinkLabel: '', primaryLinkUrl: '', secondaryLinks: [] };
    case 'RICH_TEXT_V2':
      return { markdown: null, blocknote: null };
    case 'SELECT':
      return typeof field.defaultValue === 'string' ? field.defaultValue.replace(/^'|'$/g, '') : null;
    default:
      return null;
  }
}

/**
 * Checks one input record against the object's fields and returns the values to store. Unknown
 * fields and wrongly shaped values are 400s, as Twenty's input validation makes them.
 */
export function validateInput(
  metadata: MetadataStore,
  object: ObjectMetadata,
  input: unknown,
  recordExists: (objectId: string, id: string) => boolean,
): Record<string, unknown> {
  if (!isObject(input)) throw badRequest('Invalid input: a record must be a JSON object');
  const writable = writableFields(metadata, object);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const field = writable.get(key);
    if (field === undefined) {
      // The legacy `body` of notes and tasks gets the same answer as any unknown field (v2.21).
      throw badRequest(`Object ${object.nameSingular} doesn't have any "${key}" field.`);
    }
    if (field.type === 'RELATION') {
      if (value !== null && (typeof value !== 'string' || !UUID.test(value)))
        throw badRequest(`Invalid UUID value '${shown(value)}' for field "${key}"`);
      const targetId = field.relation?.targetObjectMetadataId ?? '';
      if (typeof value === 'string' && !recordExists(targetId, value))
        throw badRequest(
          `insert or update on table "_${object.nameSingular}" violates foreign key constraint "FK_${key}"`,
        );
      out[key] = value;
      continue;
    }
    out[key] = validateValue(field, value);
  }
  return out;
}

function validateValue(field: FieldMetadata, value: unknown): unknown {
  if (value === null) {
    if (!field.isNullable) throw badRequest(`Field "${field.name}" cannot be null`);
    return field.type === 'FULL_NAME' || field.type === 'EMAILS' || field.type === 'PHONES' ? emptyValue(field) : null;
  }
  switch (field.type) {
    case 'UUID':
      if (typeof value !== 'string' || !UUID.test(value))
        throw badRequest(`Invalid UUID value '${shown(value)}' for field "${field.name}"`);
      return value;
    case 'TEXT':
      if (typeof value !== 'string')
        throw badRequest(`Invalid string value ${shown(value)} for text field "${field.name}"`);
      return value;
    case 'NUMBER':
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw badRequest(`Invalid number value '${shown(value)}' for field "${field.name}"`);
      return value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean')
        throw badRequest(`Invalid boolean value '${shown(value)}' for field "${field.name}"`);
      return value;
    case 'DATE_TIME':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
        throw badRequest(
          `Invalid value '${shown(value)}' for date-time field "${field.name}". Expected format: 'YYYY-MM-DDTHH:mm:ssZ'`,
        );
      return new Date(value).toISOString();
    case 'POSITION':
      if (typeof value !== 'number' && value !== 'first' && value !== 'last')
        throw badRequest(`Invalid position value '${shown(value)}' for field "${field.name}"`);
      return value;
    case 'SELECT': {
      const allowed = (field.options ?? []).map((o) => o.value);
      if (typeof value !== 'string' || !allowed.includes(value))
        throw badRequest(
          `Invalid value ${JSON.stringify(value)} for field "${field.name}". Valid values are: ${allowed.join(', ')}`,
        );
      return value;
    }
    case 'FULL_NAME':
      return composite(field, value, { firstName: 'string', lastName: 'string' });
    case 'EMAILS':
      return composite(field, value, { primaryEmail: 'string', additionalEmails: 'array' });
    case 'LINKS':
      return composite(field, value, { primaryLinkUrl: 'string', primaryLinkLabel: 'string', secondaryLinks: 'array' });
    case 'PHONES':
      return phones(field, value);
    case 'RICH_TEXT_V2':
      return richText(field, value);
    default:
      throw badRequest(`Field "${field.name}" cannot be written`);
  }
}

function composite(field: FieldMetadata, value: unknown, shape: Record<string, 'string' | 'array'>) {
  if (!isObject(value)) throw badRequest(`Invalid object value '${shown(value)}' for field "${field.name}"`);
  const out = { ...(emptyValue(field) as Record<string, unknown>) };
  for (const [key, sub] of Object.entries(value)) {
    const kind = shape[key];
    if (kind === undefined)
      throw badRequest(
        `Invalid subfield ${key} for ${COMPOSITE_NAMES[field.type] ?? 'composite'} field "${field.name}"`,
      );
    const ok = sub === null || (kind === 'string' ? typeof sub === 'string' : Array.isArray(sub));
    if (!ok) throw badRequest(`Invalid value for subfield ${key} of field "${field.name}"`);
    out[key] = sub;
  }
  return out;
}

const COMPOSITE_NAMES: Partial<Record<string, string>> = {
  FULL_NAME: 'full name',
  EMAILS: 'emails',
  LINKS: 'links',
  PHONES: 'phones',
  RICH_TEXT_V2: 'rich text',
};

/** E.164 numbers are parsed (libphonenumber): the national number is stored and the codes filled in. */
function phones(field: FieldMetadata, value: unknown) {
  const out = composite(field, value, {
    primaryPhoneNumber: 'string',
    primaryPhoneCountryCode: 'string',
    primaryPhoneCallingCode: 'string',
    additionalPhones: 'array',
  }) as Record<string, string | null>;
  const number = out.primaryPhoneNumber ?? '';
  if (number.startsWith('+')) {
    const parsed = parsePhoneNumberFromString(number);
    if (parsed === undefined) throw badRequest(`Invalid phone number "${number}" for field "${field.name}"`);
    const callingCode = `+${parsed.countryCallingCode}`;
    if (out.primaryPhoneCallingCode && out.primaryPhoneCallingCode !== callingCode)
      throw badRequest('Provided and inferred calling code are conflicting', {
        error: 'Error',
        code: 'CONFLICTING_PHONE_CALLING_CODE',
      });
    out.primaryPhoneNumber = parsed.nationalNumber;
    out.primaryPhoneCallingCode = callingCode;
    out.primaryPhoneCountryCode = parsed.country ?? out.primaryPhoneCountryCode ?? '';
  }
  return out;
}

/** Markdown alone is accepted and converted to BlockNote JSON, as newer Twenty servers do. */
function richText(field: FieldMetadata, value: unknown) {
  const out = composite(field, value, { markdown: 'string', blocknote: 'string' }) as Record<string, string | null>;
  if (out.markdown && !out.blocknote)
    out.blocknote = JSON.stringify(
      out.markdown.split('\n\n').map((paragraph) => ({
        type: 'paragraph',
        content: [{ type: 'text', text: paragraph, styles: {} }],
      })),
    );
  return out;
}

/** A value inside an error message, as Twenty's template strings print it. */
const shown = (value: unknown): string =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);

const UNIQUE_SUB_FIELD: Partial<Record<string, string>> = {
  EMAILS: 'primaryEmail',
  LINKS: 'primaryLinkUrl',
  PHONES: 'primaryPhoneNumber',
  FULL_NAME: 'firstName',
};

/** How Twenty names a unique field in its conflict message: `emails.primaryEmail`, `whatsappId`. */
export function uniqueFullPath(field: FieldMetadata): string {
  const sub = UNIQUE_SUB_FIELD[field.type];
  return sub === undefined ? field.name : `${field.name}.${sub}`;
}

/** The value a unique field is compared on: for composites, their first sub-field (twenty.md §2). */
export function uniqueKey(field: FieldMetadata, value: unknown): string | undefined {
  const key = UNIQUE_SUB_FIELD[field.type];
  const raw = key === undefined ? value : isObject(value) ? value[key] : undefined;
  if (raw === null || raw === undefined || raw === '') return undefined;
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}
