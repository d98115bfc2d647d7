// Building blocks of the charts' values.schema.json files. Every object is closed
// (additionalProperties: false) unless it is a free-form Kubernetes or config map, so a typo in
// values fails `helm install` instead of being ignored.
export type Schema = Record<string, unknown>;

export const string = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
export const boolean = (description: string): Schema => ({ type: 'boolean', description });
export const integer = (description: string, minimum = 0, extra: Schema = {}): Schema => ({
  type: 'integer',
  minimum,
  description,
  ...extra,
});
export const closed = (properties: Record<string, Schema>, description?: string, required?: string[]): Schema => ({
  type: 'object',
  additionalProperties: false,
  ...(description ? { description } : {}),
  ...(required ? { required } : {}),
  properties,
});
export const freeMap = (description: string, values: Schema = {}): Schema => ({
  type: 'object',
  description,
  additionalProperties: values,
});
const quantity = {
  oneOf: [
    { type: 'string', pattern: '^[0-9.]+[a-zA-Z]*$' },
    { type: 'number', minimum: 0 },
  ],
};
const size = string('A storage size, e.g. 10Gi', { pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|K|M|G|T|P)?$' });
const url = (description: string) => string(description, { pattern: '^(https?://|\\{\\{)' });

export const image = (repository: string): Schema =>
  closed(
    {
      registry: string('Image registry', { minLength: 1 }),
      repository: string(`Image repository (default ${repository})`, { minLength: 1 }),
      tag: string('Image tag; empty uses the chart appVersion'),
      digest: string('Image digest; wins over the tag', { pattern: '^$|^sha256:[a-f0-9]{64}$' }),
      pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    },
    'Container image',
    ['registry', 'repository', 'pullPolicy'],
  );

export const resources = closed(
  {
    requests: closed({ cpu: quantity, memory: quantity, 'ephemeral-storage': quantity }),
    limits: freeMap('Limits, including extended resources such as nvidia.com/gpu', quantity),
  },
  'Container resources; set limits (the policy checks require them)',
  ['requests', 'limits'],
);

export const scheduling: Record<string, Schema> = {
  podAnnotations: freeMap('Annotations on the pods', { type: 'string' }),
  nodeSelector: freeMap('Node selector', { type: 'string' }),
  tolerations: { type: 'array', description: 'Tolerations', items: { type: 'object' } },
  affinity: { type: 'object', description: 'Affinity' },
  imagePullSecrets: { type: 'array', items: closed({ name: string('Secret name', { minLength: 1 }) }) },
  fullnameOverride: string('Name of the resources instead of <release>-<chart>'),
};

export const pdb = closed(
  { enabled: boolean('Create a PodDisruptionBudget'), maxUnavailable: integer('Pods that may be down at once', 0) },
  'PodDisruptionBudget',
);

export const networkPolicy = (withEgress: boolean): Schema =>
  closed(
    {
      enabled: boolean('Create a NetworkPolicy (ingress to the service port from this namespace and ingressFrom)'),
      ingressFrom: { type: 'array', description: 'Extra NetworkPolicy peers', items: { type: 'object' } },
      ...(withEgress
        ? {
            egress: { type: 'array', description: 'Egress rules; empty leaves egress open', items: { type: 'object' } },
          }
        : {}),
    },
    'NetworkPolicy',
  );

export const serviceMonitor = closed(
  {
    enabled: boolean('Create a Prometheus Operator ServiceMonitor'),
    interval: string('Scrape interval', { pattern: '^[0-9]+(s|m)$' }),
    labels: freeMap('Labels the Prometheus selects ServiceMonitors by', { type: 'string' }),
  },
  'ServiceMonitor',
);

export const persistence = closed(
  {
    enabled: boolean('Use a PersistentVolumeClaim (otherwise an emptyDir)'),
    size,
    storageClass: string('StorageClass; empty uses the default'),
  },
  'Persistent volume',
);

export const postgres = (database: string) =>
  closed(
    {
      host: string('PostgreSQL host', { minLength: 1 }),
      port: integer('PostgreSQL port', 1, { maximum: 65535 }),
      database: string(`Database (default ${database})`, { minLength: 1 }),
      user: string('User', { minLength: 1 }),
      sslmode: { enum: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] },
      password: string('Password inline (rendered into a Secret); prefer existingSecret'),
      existingSecret: string('Secret holding the password'),
      existingSecretKey: string('Key of the password in existingSecret', { minLength: 1 }),
    },
    'External PostgreSQL',
  );

/** Values every Parley service chart (ingest, classifier, crm-sink) shares. */
/** A probe as Kubernetes takes it; null switches it off. */
const probe = (what: string): Schema => ({
  type: ['object', 'null'],
  description: `${what} (a Kubernetes probe; null: none)`,
});

/** Pod identity, security and placement, as values with the restricted defaults (as ess-helm does). */
export const podSettings: Record<string, Schema> = {
  commonLabels: freeMap('Labels on every resource of the chart', { type: 'string' }),
  podLabels: freeMap('Labels on the pods only', { type: 'string' }),
  serviceAccount: closed(
    {
      create: boolean('Create a ServiceAccount for the pods (no API token is mounted)'),
      name: string('Its name, or the existing one to use; empty: the release full name'),
      annotations: freeMap('Annotations, e.g. for cloud workload identity', { type: 'string' }),
    },
    'ServiceAccount',
  ),
  podSecurityContext: {
    type: 'object',
    description: 'Pod securityContext (restricted profile; null runAsUser/runAsGroup/fsGroup on OpenShift)',
  },
  securityContext: { type: 'object', description: 'Container securityContext (restricted profile)' },
  livenessProbe: probe('Liveness probe on /healthz'),
  readinessProbe: probe('Readiness probe on /readyz'),
  startupProbe: probe('Startup probe'),
  topologySpreadConstraints: {
    type: 'array',
    description: "Topology spread constraints; without labelSelector they select the chart's pods",
    items: { type: 'object', required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'] },
  },
};

export const serviceChart = (name: string, specific: Record<string, Schema>, keda: boolean): Schema =>
  closed({
    global: { type: 'object', description: 'Helm globals' },
    'parley-lib': { type: 'object', description: 'Values of the shared library chart (none)' },
    enabled: boolean('Used by the umbrella chart'),
    image: image(`parley-chat/parley-${name}`),
    ...scheduling,
    ...podSettings,
    replicaCount: integer('Replicas (ignored when autoscaling or KEDA is on)', 0),
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    kafka: closed(
      {
        brokers: string('Kafka bootstrap servers, comma-separated (may use templates)', { minLength: 1 }),
        createTopics: boolean("Create Parley's topics at start-up"),
        security: kafkaSecurity,
      },
      'Kafka',
      ['brokers'],
    ),
    ...specific,
    config: freeMap('Further settings of the service as environment variables', {
      type: ['string', 'number', 'boolean'],
    }),
    extraEnv: {
      type: 'array',
      description: 'Extra container env entries',
      items: { type: 'object', required: ['name'] },
    },
    otel: closed({ endpoint: string('OTLP endpoint; no exporter without it') }, 'OpenTelemetry'),
    service: closed({ port: integer('HTTP port (health, readiness, metrics)', 1, { maximum: 65535 }) }),
    resources,
    terminationGracePeriodSeconds: integer('Seconds to drain after SIGTERM', 1),
    podDisruptionBudget: pdb,
    networkPolicy: networkPolicy(true),
    serviceMonitor,
    autoscaling: closed(
      {
        enabled: boolean('HorizontalPodAutoscaler on CPU'),
        minReplicas: integer('Minimum replicas', 1),
        maxReplicas: integer('Maximum replicas', 1),
        targetCPUUtilizationPercentage: integer('Target CPU %', 1, { maximum: 100 }),
      },
      'CPU autoscaling',
    ),
    ...(keda
      ? {
          keda: closed(
            {
              enabled: boolean('KEDA ScaledObject on consumer lag'),
              minReplicas: integer('Minimum replicas', 0),
              maxReplicas: integer('Maximum replicas (no more than the partitions)', 1),
              lagThreshold: integer('Lag per replica that triggers scaling', 1),
            },
            'KEDA',
          ),
        }
      : {}),
  });

/** A key of an existing Secret (names may use templates). */
const secretKey = (description: string, key: string): Schema =>
  closed(
    { name: string(`${description}: the Secret's name (empty: not used)`), key: string(`Key in it (default ${key})`) },
    description,
  );

/** How the services reach Kafka: the same shape in each chart and as the umbrella's global.kafkaSecurity. */
export const kafkaSecurity: Schema = closed(
  {
    protocol: { enum: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'], description: "Kafka's security.protocol" },
    caSecret: secretKey('PEM bundle of the CAs that signed the brokers (SSL, SASL_SSL)', 'ca.crt'),
    clientCertSecret: closed(
      {
        name: string('Secret with the client certificate and key for mutual TLS (empty: none)'),
        certKey: string('Key of the certificate (default user.crt)'),
        keyKey: string('Key of the private key (default user.key)'),
      },
      'Mutual TLS',
    ),
    sasl: closed(
      {
        mechanism: { enum: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], description: 'SASL mechanism' },
        username: string('SASL user (templates allowed)'),
        passwordSecret: secretKey('The SASL password', 'password'),
      },
      'SASL (SASL_PLAINTEXT, SASL_SSL)',
    ),
  },
  'TLS and SASL; credentials only from existing Secrets',
);

/** The hook Job that creates credentials no value gives, once (parley-lib's initSecrets). */
export const initSecrets: Schema = closed(
  {
    image: closed(
      {
        registry: string('Image registry', { minLength: 1 }),
        repository: string('Image repository (any image with python3)', { minLength: 1 }),
        tag: string('Image tag', { minLength: 1 }),
        digest: string('Image digest; wins over the tag', { pattern: '^$|^sha256:[a-f0-9]{64}$' }),
        pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
      },
      'Container image of the Job',
      ['registry', 'repository', 'tag', 'pullPolicy'],
    ),
    podSecurityContext: { type: 'object', description: 'Pod securityContext of the Job' },
    securityContext: { type: 'object', description: 'Container securityContext of the Job' },
    resources,
  },
  'The pre-install/pre-upgrade Job that creates missing credentials once and never changes them',
  ['image', 'podSecurityContext', 'securityContext', 'resources'],
);

export { size, url };
