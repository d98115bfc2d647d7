import { parse } from 'yaml';
import { runServiceToExit } from './service-process.ts';
import type { AppserviceRegistration, TestSynapse } from './synapse.ts';
import { uniqueName } from './unique.ts';

/**
 * An appservice registration made by ingest's own `registration` command (so Synapse loading it is
 * part of what a test covers), pointing Synapse at `url`, with unique ids and fresh tokens.
 */
export async function ingestRegistration(ingestEntry: string, url: string): Promise<AppserviceRegistration> {
  const cli = await runServiceToExit(ingestEntry, {}, 30_000, [
    'registration',
    '--url',
    url,
    '--id',
    uniqueName('parley'),
    '--sender',
    uniqueName('parley'),
    '--users',
    '@whatsapp_.*',
  ]);
  if (cli.code !== 0) throw new Error(`registration command failed: ${cli.stderr}`);
  return parse(cli.stdout) as AppserviceRegistration;
}

/** The settings that run ingest as the appservice `registration` describes, on `port`, for `synapse`. */
export function appserviceIngestEnv(
  registration: AppserviceRegistration,
  synapse: Pick<TestSynapse, 'url' | 'serverName'>,
  port: number,
): Record<string, string> {
  return {
    PARLEY_HTTP_PORT: String(port),
    PARLEY_HOMESERVER_URL: synapse.url,
    PARLEY_HOMESERVER_NAME: synapse.serverName,
    PARLEY_AS_ID: registration.id,
    PARLEY_AS_TOKEN: registration.as_token,
    PARLEY_HS_TOKEN: registration.hs_token,
  };
}
