import { readFileSync } from 'node:fs';
import { ConfigError } from '@parley/service-runtime';
import { parse } from 'yaml';
import type { IngestConfig } from './pipeline-from-settings.ts';

export interface AppserviceIdentity {
  id: string;
  asToken: string;
  hsToken: string;
}

/**
 * The appservice's id and tokens: from the registration file Synapse also reads (one source of truth),
 * or from the individual settings. A missing piece stops start-up naming what to set.
 */
export function resolveAppserviceIdentity(config: IngestConfig): AppserviceIdentity {
  let fromFile: Partial<Record<'id' | 'as_token' | 'hs_token', unknown>> = {};
  if (config.PARLEY_AS_REGISTRATION_FILE) {
    try {
      fromFile = parse(readFileSync(config.PARLEY_AS_REGISTRATION_FILE, 'utf8')) as typeof fromFile;
    } catch (error) {
      throw new ConfigError(
        [
          {
            setting: 'PARLEY_AS_REGISTRATION_FILE',
            problem: `cannot read the registration: ${(error as Error).message}`,
          },
        ],
        'ingest',
      );
    }
  }
  const pick = (value: string | undefined, fileValue: unknown) =>
    value ?? (typeof fileValue === 'string' && fileValue.length > 0 ? fileValue : undefined);
  const id = pick(config.PARLEY_AS_ID, fromFile.id);
  const asToken = pick(config.PARLEY_AS_TOKEN, fromFile.as_token);
  const hsToken = pick(config.PARLEY_HS_TOKEN, fromFile.hs_token);
  const problems = [
    ...(id ? [] : [{ setting: 'PARLEY_AS_ID', problem: 'required (or an id in PARLEY_AS_REGISTRATION_FILE)' }]),
    ...(asToken
      ? []
      : [{ setting: 'PARLEY_AS_TOKEN', problem: 'required (or as_token in PARLEY_AS_REGISTRATION_FILE)' }]),
    ...(hsToken
      ? []
      : [{ setting: 'PARLEY_HS_TOKEN', problem: 'required (or hs_token in PARLEY_AS_REGISTRATION_FILE)' }]),
  ];
  if (!id || !asToken || !hsToken) throw new ConfigError(problems, 'ingest');
  return { id, asToken, hsToken };
}
