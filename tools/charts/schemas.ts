import {
  boolean,
  closed,
  freeMap,
  image,
  initSecrets,
  kafkaSecurity,
  integer,
  networkPolicy,
  pdb,
  persistence,
  postgres,
  resources,
  scheduling,
  serviceChart,
  serviceMonitor,
  size,
  string,
  url,
  type Schema,
} from './schema-parts.ts';

const secretPair = (what: string) => ({
  existingSecret: string(`Existing Secret with ${what}`),
});

const ingest = serviceChart(
  'ingest',
  {
    homeserver: closed(
      { url: url('Homeserver client-server API URL'), name: string('server_name', { minLength: 1 }) },
      'Homeserver',
      ['url', 'name'],
    ),
    appservice: closed(
      {
        id: string('Appservice id', { minLength: 1 }),
        senderLocalpart: string('Localpart of the appservice bot', { minLength: 1 }),
        userNamespaces: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        receiveEphemeral: boolean('Ask the homeserver for receipts and typing (parley.matrix.ephemeral.v1)'),
        url: string('URL Synapse pushes to; empty uses the Service'),
        ...secretPair('key registration.yaml'),
        asToken: string('as_token inline, with hsToken; empty: made once by the init-secrets Job'),
        hsToken: string('hs_token inline, with asToken; empty: made once by the init-secrets Job'),
      },
      'Application Service registration',
    ),
    initSecrets,
  },
  false,
);

const classifier = serviceChart(
  'classifier',
  {
    backend: {
      enum: ['hybrid', 'llm', 'baseline'],
      description: 'hybrid (LLM label scoring, example store, lexicon), llm (JSON answers) or baseline (no LLM)',
    },
    llm: closed(
      {
        url: url('Ollama URL'),
        model: string('Model name', { minLength: 1 }),
        embeddingModel: string('Embedding model of the example store', { minLength: 1 }),
      },
      'Ollama server, LLM and embedding model',
    ),
    concurrency: integer('Messages classified at once', 1),
    taxonomy: string('Taxonomy YAML; empty uses the default'),
  },
  true,
);

const crmSink = serviceChart(
  'crm-sink',
  {
    twenty: closed(
      {
        url: string('Twenty base URL; empty writes NDJSON instead', { pattern: '^$|^(https?://|\\{\\{)' }),
        apiKey: string('API key inline (rendered into a Secret); prefer existingSecret'),
        ...secretPair('the API key'),
        existingSecretKey: string('Key of the API key in existingSecret', { minLength: 1 }),
        requestsPerMinute: integer(
          "Twenty's API rate limit per minute (its API_RATE_LIMITING_LONG_LIMIT); the sink paces itself by it",
          1,
        ),
        bootstrap: boolean('Create missing objects and fields at start-up'),
      },
      'Twenty CRM',
    ),
    ndjson: closed({ persistence }, 'NDJSON file target'),
    followUpRules: string('Follow-up rules YAML; empty keeps the defaults'),
    conversationUrl: string('Conversation link with {roomId} and {eventId}', { minLength: 1 }),
  },
  true,
);

const common = (specific: Record<string, Schema>, repository: string, networkPolicyEgress = false): Schema =>
  closed({
    global: { type: 'object', description: 'Helm globals' },
    'parley-lib': { type: 'object', description: 'Values of the shared library chart (none)' },
    enabled: boolean('Used by the umbrella chart'),
    image: image(repository),
    ...scheduling,
    ...specific,
    resources,
    podDisruptionBudget: pdb,
    networkPolicy: networkPolicy(networkPolicyEgress),
  });

const synapse = common(
  {
    serverName: string('server_name', { minLength: 1, pattern: '^[A-Za-z0-9.-]+(:[0-9]+)?$' }),
    publicBaseurl: string('Public URL; empty uses https://<serverName>/'),
    logLevel: { enum: ['DEBUG', 'INFO', 'WARNING', 'ERROR'] },
    postgres: postgres('synapse'),
    secrets: closed(
      { existingSecret: string('Secret with registration_shared_secret, macaroon_secret_key, form_secret') },
      'Synapse secrets',
    ),
    initSecrets,
    appservices: {
      type: 'array',
      description: 'Appservice registrations from Secrets',
      items: closed(
        {
          secretName: string('Secret name (templates allowed)', { minLength: 1 }),
          key: string('Key (default registration.yaml)'),
        },
        undefined,
        ['secretName'],
      ),
    },
    extraConfig: { type: 'object', description: 'Merged into homeserver.yaml' },
    persistence,
    service: closed({ port: integer('Client port', 1, { maximum: 65535 }) }),
    serviceMonitor,
  },
  'matrixdotorg/synapse',
);

const mautrix = common(
  {
    homeserver: closed({ url: url('Homeserver URL'), domain: string('server_name', { minLength: 1 }) }, 'Homeserver'),
    appservice: closed(
      {
        id: string('Appservice id', { minLength: 1 }),
        botUsername: string('Bridge bot localpart', { minLength: 1 }),
        usernamePrefix: string('Ghost user prefix', { minLength: 1 }),
        existingSecret: string('Secret with as_token, hs_token and registration.yaml'),
      },
      'Appservice',
    ),
    permissions: freeMap('Bridge permissions by user id, server name or *', { enum: ['relay', 'user', 'admin'] }),
    postgres: postgres('mautrix_whatsapp'),
    logLevel: { enum: ['trace', 'debug', 'info', 'warn', 'error'] },
    doublePuppet: closed(
      {
        enabled: boolean('Render a double-puppet registration and give the bridge its token'),
        existingSecret: string('Secret with the double-puppet as_token (key as_token)'),
      },
      'Double puppeting for staff',
    ),
    initSecrets,
    service: closed({ port: integer('Appservice port', 1, { maximum: 65535 }) }),
  },
  'mautrix/whatsapp',
);

const ollama = common(
  {
    model: closed(
      {
        name: string('Model name', { minLength: 1 }),
        modelfile: string('Modelfile to create the model from'),
        embedding: string("The classifier's embedding model, pulled beside it; empty for none"),
      },
      'Model',
      ['name'],
    ),
    numParallel: integer('OLLAMA_NUM_PARALLEL', 1),
    keepAlive: string('OLLAMA_KEEP_ALIVE', { pattern: '^-?[0-9]+(s|m|h)?$' }),
    persistence,
    gpu: closed(
      {
        enabled: boolean('Request a GPU'),
        vendor: { enum: ['nvidia', 'amd'] },
        count: integer('GPUs', 1),
        runtimeClassName: string('RuntimeClass, e.g. nvidia'),
      },
      'GPU',
    ),
    service: closed({ port: integer('API port', 1, { maximum: 65535 }) }),
  },
  'ollama/ollama',
);

const subchart = (description: string): Schema => ({
  type: 'object',
  description: `${description}; its own chart's schema checks the rest`,
  properties: { enabled: boolean('Deploy it') },
});

const parley = closed({
  global: closed(
    {
      kafkaBrokers: string('Kafka bootstrap servers for every service (templates allowed)', { minLength: 1 }),
      kafkaSecurity: {
        ...kafkaSecurity,
        description: "Every service's Kafka TLS and SASL; wins over each chart's kafka.security",
      },
      serverName: string('Matrix server_name for Synapse, ingest and the bridge', {
        pattern: '^[A-Za-z0-9.-]+(:[0-9]+)?$',
      }),
    },
    'Shared by the subcharts',
    ['kafkaBrokers', 'serverName'],
  ),
  'parley-lib': { type: 'object', description: 'Values of the shared library chart (none)' },
  strimzi: closed(
    {
      enabled: boolean('Create a Strimzi Kafka cluster and the KafkaTopics'),
      replicas: integer('Kafka nodes (controller and broker)', 1),
      storageSize: size,
      partitions: integer('Partitions of keyed topics', 1),
      version: string('Kafka version', { pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' }),
    },
    'Strimzi',
  ),
  grafanaDashboard: closed(
    {
      enabled: boolean("Ship the Parley dashboard as a ConfigMap for Grafana's sidecar"),
      label: string('Label the sidecar selects dashboards by', { minLength: 1 }),
    },
    'Grafana dashboard',
  ),
  cloudnativepg: closed(
    {
      enabled: boolean('Create CloudNativePG clusters for Synapse and the bridge'),
      instances: integer('PostgreSQL instances per cluster', 1),
      storageSize: size,
    },
    'CloudNativePG',
  ),
  ingest: subchart('ingest'),
  classifier: subchart('classifier'),
  'crm-sink': subchart('crm-sink'),
  synapse: subchart('Synapse'),
  'mautrix-whatsapp': subchart('mautrix-whatsapp'),
  ollama: subchart('Ollama'),
});

/** values.schema.json of every chart, by chart directory name. */
export const CHART_SCHEMAS: Record<string, Schema> = {
  ingest,
  classifier,
  'crm-sink': crmSink,
  synapse,
  'mautrix-whatsapp': mautrix,
  ollama,
  parley,
};
