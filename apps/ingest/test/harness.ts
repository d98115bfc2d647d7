import { fileURLToPath } from 'node:url';
import { MatrixEventV1, TOPICS } from '@parley/contracts';
import {
  serviceTestEnv,
  spawnService,
  startIngestHomeserver,
  type AppserviceRegistration,
  type FakeWhatsappBridge,
  type MatrixUser,
  type ServiceProcess,
  type TestKafka,
  type TestSynapse,
} from '@parley/testing';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Parley's ingest registered with a real Synapse next to an imitation WhatsApp bridge. */
export interface IngestHarness {
  synapse: TestSynapse;
  bridge: FakeWhatsappBridge;
  registration: AppserviceRegistration;
  staff: MatrixUser;
  ingest: ServiceProcess;
  /** The settings ingest runs with (for the CLI subcommands). */
  env: Record<string, string>;
  /** Starts ingest (again) on the registered port, e.g. after it was killed. */
  startIngest(): Promise<ServiceProcess>;
  /** Event ids of a room found on the events topic, in topic order, once `expected` are all there. */
  eventsOfRoom(roomId: string, expected: readonly string[], timeoutMs?: number): Promise<string[]>;
  /** The same, as the normalised events. */
  eventRecordsOfRoom(roomId: string, expected: readonly string[], timeoutMs?: number): Promise<MatrixEventV1[]>;
}

export async function startIngestHarness(kafka: TestKafka, env: Record<string, string> = {}): Promise<IngestHarness> {
  // The registration comes from ingest's own CLI, so Synapse loading it is part of what is tested.
  const { registration, bridge, synapse, ingestEnv: appservice } = await startIngestHomeserver(entry);
  const ingestEnv: Record<string, string> = {
    ...serviceTestEnv(kafka.brokers, 'info'),
    ...appservice,
    ...env,
  };
  const startIngest = () => spawnService({ entry, env: ingestEnv });
  const harness: IngestHarness = {
    synapse,
    bridge,
    registration,
    env: ingestEnv,
    staff: await synapse.registerUser('agent'),
    ingest: await startIngest(),
    startIngest: async () => (harness.ingest = await startIngest()),
    async eventsOfRoom(roomId, expected, timeoutMs) {
      return (await harness.eventRecordsOfRoom(roomId, expected, timeoutMs)).map((e) => e.eventId);
    },
    async eventRecordsOfRoom(roomId, expected, timeoutMs = 120_000) {
      const records = await kafka
        .collect(
          TOPICS.matrixEvents,
          (all) => {
            const ids = new Set(all.filter((r) => r.key === roomId).map((r) => (r.value as MatrixEventV1).eventId));
            return expected.every((id) => ids.has(id));
          },
          timeoutMs,
        )
        .catch(async (error: unknown) => {
          // What ingest saw is what explains a timeout here.
          const readiness = await fetch(`${harness.ingest.url}/readyz`).then(
            (r) => r.text(),
            (e: unknown) => String(e),
          );
          const notable = harness.ingest.logs.slice(-30);
          throw new Error(
            `${(error as Error).message}\ningest /readyz: ${readiness}\ningest's last log lines:\n${notable.map((l) => JSON.stringify(l)).join('\n')}`,
          );
        });
      return records.filter((r) => r.key === roomId).map((r) => MatrixEventV1.parse(r.value));
    },
  };
  return harness;
}

/** A DM portal with a fresh ghost, joined by the staff user. */
export async function newPortal(h: IngestHarness): Promise<{ roomId: string; ghost: string; phone: string }> {
  const phone = `49151${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, '0')}`;
  const ghost = await h.bridge.registerGhost(phone, `Customer ${phone}`);
  const roomId = await h.bridge.createDmPortal(phone, h.staff.userId);
  await h.staff.request('POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
  return { roomId, ghost, phone };
}
