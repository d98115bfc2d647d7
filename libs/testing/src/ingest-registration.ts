import { parse } from 'yaml';
import { FakeWhatsappBridge } from './fake-whatsapp-bridge.ts';
import { freePort } from './ports.ts';
import { runServiceToExit } from './service-process.ts';
import { startSynapse, type AppserviceRegistration, type TestSynapse } from './synapse.ts';
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

export interface IngestHomeserver {
  /** The port ingest is to listen on (Synapse pushes transactions there). */
  port: number;
  registration: AppserviceRegistration;
  bridge: FakeWhatsappBridge;
  synapse: TestSynapse;
  /** ingest's appservice settings for this Synapse (appserviceIngestEnv). */
  ingestEnv: Record<string, string>;
}

/**
 * A real Synapse with ingest's appservice registered (on a free port, not listening yet) beside an
 * imitation WhatsApp bridge: what every test and bench that runs ingest as an appservice starts from.
 */
export async function startIngestHomeserver(ingestEntry: string, instance?: string): Promise<IngestHomeserver> {
  const port = await freePort();
  const registration = await ingestRegistration(ingestEntry, `http://127.0.0.1:${String(port)}`);
  const bridge = new FakeWhatsappBridge();
  const synapse = await startSynapse({
    appservices: [registration, bridge.registration],
    ...(instance === undefined ? {} : { instance }),
  });
  bridge.attach(synapse);
  return { port, registration, bridge, synapse, ingestEnv: appserviceIngestEnv(registration, synapse, port) };
}

/** The settings every Parley service gets in a test: loopback HTTP, the log level, the test broker. */
export function serviceTestEnv(brokers: readonly string[], logLevel: string): Record<string, string> {
  return {
    PARLEY_HTTP_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: logLevel,
    PARLEY_KAFKA_BROKERS: brokers.join(','),
    PARLEY_KAFKA_PARTITIONS: '3',
  };
}
