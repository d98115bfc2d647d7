import { badRequest } from './errors.ts';

export interface Condition {
  kind: 'condition';
  path: string[];
  comparator: string;
  value: unknown;
}

export interface Group {
  kind: 'and' | 'or' | 'not';
  children: Filter[];
}

export type Filter = Condition | Group;

/** Checks a condition against the object's fields; throws Twenty's 400 for an unknown field or operator. */
export type FieldCheck = (path: readonly string[], comparator: string) => void;

const COMPARATORS = [
  'eq',
  'neq',
  'in',
  'containsAny',
  'is',
  'gt',
  'gte',
  'lt',
  'lte',
  'startsWith',
  'endsWith',
  'like',
  'ilike',
];

/**
 * Parses Twenty's REST `filter`: `field[comparator]:value`, top-level commas meaning AND, and the
 * groups `and(…)`, `or(…)`, `not(…)` nested to any depth.
 */
export function parseFilter(text: string, check: FieldCheck = () => undefined): Filter {
  const parts = splitTopLevel(text).map((part) => parsePart(part.trim(), check));
  return parts.length === 1 && parts[0] ? parts[0] : { kind: 'and', children: parts };
}

function parsePart(part: string, check: FieldCheck): Filter {
  const group = /^(and|or|not)\((.*)\)$/s.exec(part);
  if (group) {
    const [, kind = 'and', inner = ''] = group;
    const children = splitTopLevel(inner).map((child) => parsePart(child.trim(), check));
    if (kind === 'not' && children.length !== 1) throw badRequest(`'filter' invalid. 'not' takes one condition`);
    return { kind: kind as Group['kind'], children };
  }
  const match = /^([A-Za-z][\w.]*)\[(\w+)\]:(.*)$/s.exec(part);
  if (!match) throw badRequest(`'filter' invalid for '${part}'`);
  const [, path = '', comparator = '', raw = ''] = match;
  if (!COMPARATORS.includes(comparator))
    throw badRequest(`'filter' invalid for '${part}', comparator ${comparator} not in ${COMPARATORS.join(', ')}`);
  const segments = path.split('.');
  check(segments, comparator);
  return { kind: 'condition', path: segments, comparator, value: parseValue(raw.trim(), comparator) };
}

/** Strings may be quoted or bare; `in` lists may hold bare words (`[NEW-A,OLD-B2]`), as Twenty accepts. */
function parseValue(raw: string, comparator: string): unknown {
  if (comparator === 'is') {
    if (raw !== 'NULL' && raw !== 'NOT_NULL') throw badRequest(`'filter' invalid: "is" takes NULL or NOT_NULL`);
    return raw;
  }
  if (raw.startsWith('[')) {
    if (!raw.endsWith(']')) throw badRequest(`'filter' invalid value ${raw}`);
    return splitTopLevel(raw.slice(1, -1)).map((item) => unquote(item.trim()));
  }
  if (comparator === 'in' || comparator === 'containsAny')
    throw badRequest(`'filter' invalid: "${comparator}" takes a list`);
  return unquote(raw);
}

function unquote(raw: string): unknown {
  if (!raw.startsWith('"')) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw badRequest(`'filter' invalid value ${raw}`);
  }
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (char === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (!quoted) {
      if (char === '(' || char === '[') depth++;
      if (char === ')' || char === ']') depth--;
      if (char === ',' && depth === 0) {
        parts.push(current);
        current = '';
        continue;
      }
    }
    current += char;
  }
  if (current.trim() !== '') parts.push(current);
  return parts;
}

export function matches(record: Record<string, unknown>, filter: Filter): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.children.every((child) => matches(record, child));
    case 'or':
      return filter.children.some((child) => matches(record, child));
    case 'not':
      return !filter.children.every((child) => matches(record, child));
    default:
      return holds(record, filter);
  }
}

function holds(record: Record<string, unknown>, condition: Condition): boolean {
  let value: unknown = record;
  for (const key of condition.path)
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  const target = condition.value;
  switch (condition.comparator) {
    case 'eq':
      return String(value) === String(target);
    case 'neq':
      return String(value) !== String(target);
    case 'in':
      return Array.isArray(target) && target.map(String).includes(String(value));
    case 'containsAny':
      return Array.isArray(value) && Array.isArray(target) && target.some((t) => value.map(String).includes(String(t)));
    case 'is': {
      // Twenty stores an unset text as '' and counts it as NULL.
      const isNull = value === null || value === undefined || value === '';
      return target === 'NULL' ? isNull : !isNull;
    }
    case 'startsWith':
      return typeof value === 'string' && value.startsWith(String(target));
    case 'endsWith':
      return typeof value === 'string' && value.endsWith(String(target));
    case 'like':
    case 'ilike': {
      const pattern = String(target)
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/%/g, '.*');
      return (
        typeof value === 'string' && new RegExp(`^${pattern}$`, condition.comparator === 'ilike' ? 'i' : '').test(value)
      );
    }
    default: {
      const a = typeof value === 'number' ? value : String(value);
      const b = typeof value === 'number' ? Number(target) : String(target);
      if (condition.comparator === 'gt') return a > b;
      if (condition.comparator === 'gte') return a >= b;
      if (condition.comparator === 'lt') return a < b;
      return a <= b;
    }
  }
}
