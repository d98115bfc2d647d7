import { ConfigError, DocumentError, loadDocument } from '@parley/service-runtime';
import { z } from 'zod';
import type { IngestConfig } from './pipeline-from-settings.ts';

export interface AppserviceIdentity {
  id: string;
  asToken: string;
  hsToken: string;
}

/** What ingest takes from a registration file (the rest is the homeserver's). */
const RegistrationTokens = z.looseObject({
  id: z.string().optional(),
  as_token: z.string().optional(),
  hs_token: z.string().optional(),
});

/**
 * The appservice's id and tokens: from the registration file Synapse also reads (one source of truth),
 * or from the individual settings. A missing piece stops start-up naming what to set.
 */
export function resolveAppserviceIdentity(config: IngestConfig): AppserviceIdentity {
  let fromFile: z.output<typeof RegistrationTokens> = {};
  if (config.PARLEY_AS_REGISTRATION_FILE) {
    try {
      fromFile = loadDocument(config.PARLEY_AS_REGISTRATION_FILE, RegistrationTokens, 'appservice registration');
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      throw new ConfigError([{ setting: 'PARLEY_AS_REGISTRATION_FILE', problem: error.message }], 'ingest');
    }
  }
  const pick = (value: string | undefined, fileValue: string | undefined) =>
    value ?? (fileValue !== undefined && fileValue.length > 0 ? fileValue : undefined);
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
