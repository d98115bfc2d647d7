import { parse } from 'yaml';
import { runServiceToExit } from './service-process.ts';
import type { AppserviceRegistration } from './synapse.ts';
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
