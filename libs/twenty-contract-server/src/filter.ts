import { badRequest } from './errors.ts';

export interface Condition {
  path: string[];
  comparator: string;
  value: unknown;
}

const COMPARATORS = new Set(['eq', 'neq', 'in', 'is', 'gt', 'gte', 'lt', 'lte', 'startsWith', 'like', 'ilike']);

/**
 * Parses Twenty's REST `filter` (`field[comparator]:value`, top-level commas meaning AND). The
 * grouping forms `and(…)`, `or(…)`, `not(…)` are not implemented here and answer 400 saying so.
 */
export function parseFilter(text: string): Condition[] {
  return splitTopLevel(text).map((part) => {
    const match = /^([A-Za-z][\w.]*)\[(\w+)\]:(.*)$/s.exec(part.trim());
    if (!match) {
      if (/^(and|or|not)\(/.test(part.trim()))
        throw badRequest(
          `filter grouping "${part.trim().split('(')[0] ?? ''}(…)" is not implemented by the contract server`,
        );
      throw badRequest(`Invalid filter: "${part}"`);
    }
    const [, path = '', comparator = '', raw = ''] = match;
    if (!COMPARATORS.has(comparator)) throw badRequest(`Invalid filter comparator "${comparator}"`);
    return { path: path.split('.'), comparator, value: parseValue(raw.trim(), comparator) };
  });
}

function parseValue(raw: string, comparator: string): unknown {
  if (comparator === 'is') {
    if (raw !== 'NULL' && raw !== 'NOT_NULL') throw badRequest('Invalid filter: "is" takes NULL or NOT_NULL');
    return raw;
  }
  if (raw.startsWith('"') || raw.startsWith('[')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw badRequest(`Invalid filter value: ${raw}`);
    }
  }
  if (comparator === 'in') throw badRequest('Invalid filter: "in" takes a JSON array');
  return raw;
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

export function matches(record: Record<string, unknown>, conditions: readonly Condition[]): boolean {
  return conditions.every((condition) => {
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
      case 'is':
        return target === 'NULL' ? value === null || value === undefined : value !== null && value !== undefined;
      case 'startsWith':
        return typeof value === 'string' && value.startsWith(String(target));
      case 'like':
      case 'ilike': {
        const pattern = String(target)
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*');
        return (
          typeof value === 'string' &&
          new RegExp(`^${pattern}$`, condition.comparator === 'ilike' ? 'i' : '').test(value)
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
  });
}
