export {
  ensureComponent,
  parseEnv,
  runDirectory,
  stopComponent,
  TEST_INSTANCE,
  type ComponentName,
} from './components.ts';
export { startFreshKafka, startKafka, type ConsumedRecord, type PartitionOffset, type TestKafka } from './kafka.ts';
export { DEFAULT_TEST_MODEL, startOllama, type TestOllama } from './ollama.ts';
export {
  matrixRequest,
  MatrixRequestError,
  startSynapse,
  type AppserviceRegistration,
  type MatrixUser,
  type StartSynapseOptions,
  type TestSynapse,
} from './synapse.ts';
export { uniqueName } from './unique.ts';
export { waitFor } from './wait.ts';
export { runServiceToExit, spawnService, type ServiceProcess, type SpawnServiceOptions } from './service-process.ts';
export { describeServiceLifecycle } from './service-lifecycle-suite.ts';
export { freePort } from './ports.ts';
export {
  capturedRoomsPath,
  sampleLabel,
  sampleMatrixEvent,
  sampleRetraction,
  type SampleLabelOptions,
} from './fixtures.ts';
export { FakeWhatsappBridge } from './fake-whatsapp-bridge.ts';
export {
  appserviceIngestEnv,
  ingestRegistration,
  serviceTestEnv,
  startIngestHomeserver,
  type IngestHomeserver,
} from './ingest-registration.ts';
export { tcpProxy, type TcpProxy } from './tcp-proxy.ts';
export { readinessOf, startBeforeKafka } from './late-dependency.ts';
export { startSecureKafka, type Grant, type ScramMechanism, type SecureTestKafka } from './secure-kafka.ts';
