import { z } from 'zod';
import { DocumentError, loadDocument } from './document.ts';

/** A setting that is missing or wrong. The message names every offending setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly { setting: string; problem: string }[];
  readonly service: string;

  constructor(problems: readonly { setting: string; problem: string }[], service: string) {
    super(`${service}: invalid configuration:\n` + problems.map((p) => `  - ${p.setting}: ${p.problem}`).join('\n'));
    this.problems = problems;
    this.service = service;
  }
}

export type Environment = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /** Service name, used in error messages. */
  service: string;
  /** Defaults to process.env. */
  env?: Environment;
  /**
   * Name of the variable that may point at a YAML or JSON file of the same settings
   * (keys as the variable names). Variables set in the environment win over the file.
   */
  fileVariable?: string;
}

/**
 * Validates a service's settings. The schema's keys are the environment variable names,
 * so an error names exactly what the operator has to change.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, options: LoadConfigOptions): z.output<S> {
  const env = options.env ?? process.env;
  const fileVariable = options.fileVariable ?? 'PARLEY_CONFIG_FILE';
  const fromFile = readConfigFile(env[fileVariable], fileVariable, options.service);
  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const result = schema.safeParse(merged);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      setting: issue.path.length > 0 ? issue.path.map(String).join('.') : '(configuration)',
      problem: issue.message,
    })),
    options.service,
  );
}

/** A mapping of settings; file values may be numbers or booleans, which the schemas coerce from strings. */
const SettingsFile = z
  .record(z.string(), z.unknown(), 'must hold a mapping of settings')
  .nullish()
  .transform((values) =>
    Object.fromEntries(
      Object.entries(values ?? {}).map(([k, v]) => [
        k,
        typeof v === 'number' || typeof v === 'boolean' ? String(v) : v,
      ]),
    ),
  );

function readConfigFile(path: string | undefined, variable: string, service: string): Record<string, unknown> {
  if (path === undefined || path === '') return {};
  try {
    return loadDocument(path, SettingsFile, 'settings file');
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    throw new ConfigError([{ setting: variable, problem: error.message }], service);
  }
}

/** Building blocks for settings that arrive as strings. */
export const setting = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  duration: (fallbackMs: number) => z.coerce.number().int().nonnegative().default(fallbackMs),
  flag: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], {
        message: 'expected one of true, false, 1, 0, yes, no',
      })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  list: () =>
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(z.array(z.string()).min(1, 'expected a comma-separated list with at least one entry')),
  url: () => z.url({ message: 'expected an absolute URL' }),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  secret: () => z.string().min(1, 'must not be empty'),
};
