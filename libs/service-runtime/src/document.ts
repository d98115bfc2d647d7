import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { errorMessage } from './errors.ts';

/**
 * A file Parley reads (taxonomy, follow-up rules, registrations, settings) that cannot be used. One
 * format for all: "<what> <path>: <problem>; <problem>", each problem naming the field it is about.
 */
export class DocumentError extends Error {
  override readonly name: string = 'DocumentError';
  readonly path: string;
  readonly problems: readonly string[];

  constructor(what: string, path: string, problems: readonly string[], options?: ErrorOptions) {
    super(`${what} ${path}: ${problems.join('; ')}`, options);
    this.path = path;
    this.problems = problems;
  }
}

/** The problems of a failed check, each as "field.path: message" ("(file)" for the whole document). */
export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(file)'}: ${issue.message}`);
}

/** A library's own error type for its documents: thrown with the DocumentError's message as its cause. */
export type DocumentErrorType = new (message: string, options?: ErrorOptions) => Error;

/**
 * Reads a YAML (or JSON, which is YAML) file and checks it against `schema`. Throws a DocumentError, or
 * `as` (a library's own error type) carrying the same message.
 */
export function loadDocument<S extends z.ZodType>(
  path: string,
  schema: S,
  what: string,
  as?: DocumentErrorType,
): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw typed(new DocumentError(what, path, [`cannot read it: ${errorMessage(error)}`], { cause: error }), as);
  }
  return parseDocument(text, schema, what, path, as);
}

/** Checks YAML/JSON text against `schema`; `source` names it in errors (a path, or where it came from). */
export function parseDocument<S extends z.ZodType>(
  text: string,
  schema: S,
  what: string,
  source: string,
  as?: DocumentErrorType,
): z.output<S> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw typed(new DocumentError(what, source, [`not valid YAML/JSON: ${errorMessage(error)}`], { cause: error }), as);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw typed(new DocumentError(what, source, problemsOf(result.error)), as);
  return result.data;
}

function typed(error: DocumentError, as: DocumentErrorType | undefined): Error {
  return as ? new as(error.message, { cause: error }) : error;
}
