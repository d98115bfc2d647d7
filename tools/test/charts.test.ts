import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatedFiles } from '../charts/generate.ts';
import { CHARTS, ciValues, crdValidators, k8sTools, parseManifests, ROOT, run, type Manifest } from './k8s-tools.ts';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   Rendered manifests are untyped YAML; the assertions are the types. */

const tools = k8sTools();
const workdir = mkdtempSync(join(tmpdir(), 'charts-'));
const rendered = new Map<string, Manifest[]>();
const renderKey = (chart: string, values?: string) => `${chart}:${values ?? 'defaults'}`;

function template(chart: string, values?: string, extra: string[] = []) {
  return run(tools.helm, ['template', 'parley', join('charts', chart), ...(values ? ['-f', values] : []), ...extra]);
}

/** The `helm …` lines of a Markdown text's sh blocks, continuation lines joined, split into words. */
function helmCommandsIn(markdown: string): string[][] {
  const commands: string[][] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = (block[1] ?? '')
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) => l.trim());
    for (const line of lines) if (line.startsWith('helm ')) commands.push(line.split(/\s+/));
  }
  return commands;
}

/** Secrets the default values take from outside (CloudNativePG makes the database passwords). */
const GIVEN_SECRETS = new Set(['synapse-postgres-app', 'mautrix-whatsapp-postgres-app']);

/** The Secrets the init-secrets Jobs make, by name, with the keys each gets and its file templates. */
function initSecretPlans(manifests: Manifest[]): Map<string, { keys: string[]; files: Record<string, string> }> {
  const plans = new Map<string, { keys: string[]; files: Record<string, string> }>();
  for (const m of manifests as any[])
    if (m.kind === 'ConfigMap' && m.metadata.name.endsWith('-init-secrets'))
      for (const spec of JSON.parse(m.data['plan.json']).secrets)
        plans.set(spec.name, {
          keys: [...Object.keys(spec.generate ?? {}), ...Object.keys(spec.files ?? {})],
          files: spec.files ?? {},
        });
  return plans;
}

const CORE_API =
  /^(v1|apps\/v1|batch\/v1|policy\/v1|networking\.k8s\.io\/v1|autoscaling\/v2|rbac\.authorization\.k8s\.io\/v1)$/;

describe('Helm charts (real Helm, offline Kubernetes schemas)', () => {
  beforeAll(() => {
    for (const chart of CHARTS) {
      const result = run(tools.helm, ['dependency', 'update', '--skip-refresh', join('charts', chart)]);
      expect(result.code, result.stderr).toBe(0);
    }
    for (const chart of CHARTS)
      for (const values of [undefined, ...ciValues(chart)]) {
        const result = template(chart, values);
        expect(result.code, `${chart} ${values ?? ''}: ${result.stderr}`).toBe(0);
        rendered.set(renderKey(chart, values), parseManifests(result.stdout));
      }
  }, 300_000);

  it('keeps the generated schemas and topic lists in step with the code', () => {
    for (const [path, content] of Object.entries(generatedFiles()))
      expect(readFileSync(join(ROOT, path), 'utf8'), `${path} is stale: run tools/charts/generate.ts`).toBe(content);
  });

  it.each(CHARTS)('%s passes helm lint --strict with default values and every ci/*-values.yaml', (chart) => {
    for (const values of [undefined, ...ciValues(chart)]) {
      const result = run(tools.helm, ['lint', '--strict', join('charts', chart), ...(values ? ['-f', values] : [])]);
      expect(result.code, `${values ?? 'defaults'}\n${result.stdout}${result.stderr}`).toBe(0);
    }
  });

  it('renders manifests that the Kubernetes API schemas accept (strict: no unknown fields)', () => {
    for (const [key, manifests] of rendered) {
      const core = manifests.filter((m) => CORE_API.test(m.apiVersion));
      const file = join(workdir, `${key.replace(/[^a-z0-9]+/gi, '_')}.yaml`);
      writeFileSync(file, core.map((m) => JSON.stringify(m)).join('\n---\n'));
      const result = run(tools.validate, ['--strict', '--quiet', '--no-warn', file]);
      expect(result.code, `${key}\n${result.stdout}${result.stderr}`).toBe(0);
    }
  });

  it('renders custom resources that the KEDA, CloudNativePG and Prometheus Operator CRDs accept', () => {
    const validators = crdValidators(tools.crdDirs);
    let checked = 0;
    for (const [key, manifests] of rendered)
      for (const m of manifests.filter(
        (x) => !CORE_API.test(x.apiVersion) && !x.apiVersion.startsWith('kafka.strimzi.io'),
      )) {
        const validate = validators.get(`${m.apiVersion}/${m.kind}`);
        expect(validate, `no CRD schema for ${m.apiVersion} ${m.kind}`).toBeDefined();
        expect(validate?.(m), `${key} ${m.kind}/${m.metadata.name}: ${JSON.stringify(validate?.errors)}`).toBe(true);
        checked++;
      }
    expect(checked).toBeGreaterThan(5);
  });

  it('rejects wrong values through values.schema.json, naming the value', () => {
    const cases: [string, string[], RegExp][] = [
      ['ingest', ['--set', 'replicaCount=-1'], /replicaCount/],
      ['classifier', ['--set', 'backend=gpt'], /backend/],
      ['crm-sink', ['--set', 'twenty.url=crm.example.com'], /twenty/],
      ['synapse', ['--set', 'persistence.size=lots'], /size/],
      ['ollama', ['--set', 'gpu.vendor=intel'], /vendor/],
      ['parley', ['--set', 'strimzi.replicas=0'], /replicas/],
      ['crm-sink', ['--set', 'twneety.url=https://x'], /twneety/],
    ];
    for (const [chart, args, message] of cases) {
      const result = template(chart, undefined, args);
      expect(result.code, `${chart} ${args.join(' ')}`).not.toBe(0);
      expect(result.stderr).toMatch(message);
    }
  });

  it('runs every container non-root, read-only, without capabilities, with limits; services have probes', () => {
    for (const [key, manifests] of rendered)
      for (const m of manifests) {
        const pod: any =
          m.kind === 'Pod'
            ? (m as any).spec
            : ['Deployment', 'Job', 'StatefulSet'].includes(m.kind)
              ? (m as any).spec.template.spec
              : undefined;
        if (pod === undefined) continue;
        const where = `${key} ${m.kind}/${m.metadata.name}`;
        expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
        expect(pod.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
        expect(pod.automountServiceAccountToken, where).toBe(false);
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
          const at = `${where} container ${String(c.name)}`;
          expect(c.securityContext?.runAsNonRoot, at).toBe(true);
          expect(c.securityContext?.readOnlyRootFilesystem, at).toBe(true);
          expect(c.securityContext?.allowPrivilegeEscalation, at).toBe(false);
          expect(c.securityContext?.capabilities?.drop, at).toEqual(['ALL']);
          expect(c.resources?.limits?.cpu, at).toBeDefined();
          expect(c.resources?.limits?.memory, at).toBeDefined();
        }
        if (m.kind === 'Deployment')
          for (const c of pod.containers) {
            expect(c.livenessProbe, `${where} liveness`).toBeDefined();
            expect(c.readinessProbe, `${where} readiness`).toBeDefined();
          }
      }
  });

  it("takes the services' pod identity, security, probes and placement from values (OpenShift included)", () => {
    for (const chart of ['ingest', 'classifier', 'crm-sink']) {
      const args = [
        ...['--set', 'podSecurityContext.runAsUser=null', '--set', 'podSecurityContext.runAsGroup=null'],
        ...['--set', 'podSecurityContext.fsGroup=null', '--set', 'serviceAccount.create=false'],
        ...['--set', 'serviceAccount.name=shared', '--set', 'startupProbe=null', '--set', 'commonLabels.team=care'],
        ...['--set', 'podLabels.tier=backend', '--set', 'readinessProbe.periodSeconds=7'],
        ...[
          '--set',
          'topologySpreadConstraints[0].maxSkew=1',
          '--set',
          'topologySpreadConstraints[0].topologyKey=zone',
        ],
        ...['--set', 'topologySpreadConstraints[0].whenUnsatisfiable=ScheduleAnyway'],
      ];
      const result = template(chart, undefined, args);
      expect(result.code, result.stderr).toBe(0);
      const manifests = parseManifests(result.stdout);
      const deployment: any = manifests.find((m) => m.kind === 'Deployment');
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.serviceAccountName).toBe('shared');
      // The only ServiceAccount left is the init-secrets hook's own (ingest: the registration tokens).
      expect(
        manifests.filter((m) => m.kind === 'ServiceAccount' && !m.metadata.name.endsWith('-init-secrets')),
      ).toEqual([]);
      expect(pod.containers[0].startupProbe).toBeUndefined();
      expect(pod.containers[0].readinessProbe).toMatchObject({ httpGet: { path: '/readyz' }, periodSeconds: 7 });
      expect(deployment.metadata.labels).toMatchObject({ team: 'care' });
      expect(deployment.spec.template.metadata.labels).toMatchObject({ team: 'care', tier: 'backend' });
      expect(pod.topologySpreadConstraints).toEqual([
        {
          maxSkew: 1,
          topologyKey: 'zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: deployment.spec.selector.matchLabels },
        },
      ]);
      const annotated = parseManifests(
        template(chart, undefined, ['--set', 'serviceAccount.annotations.role=r']).stdout,
      );
      expect(annotated.find((m) => m.kind === 'ServiceAccount')?.metadata).toMatchObject({
        annotations: { role: 'r' },
      });
    }
  });

  it('turns on a NetworkPolicy and a PodDisruptionBudget for every workload by default', () => {
    for (const chart of CHARTS.filter((c) => c !== 'parley')) {
      const kinds = (rendered.get(renderKey(chart)) ?? []).map((m) => m.kind);
      expect(kinds, chart).toEqual(expect.arrayContaining(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget']));
    }
  });

  it('renders the same manifests twice with no secret given: no credential comes from the template', () => {
    const again = template('parley');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(template('parley').stdout);
    const manifests = rendered.get(renderKey('parley')) ?? [];
    const generated = initSecretPlans(manifests);
    expect([...generated.keys()].sort()).toEqual([
      'parley-ingest-registration',
      'parley-mautrix-whatsapp-doublepuppet',
      'parley-mautrix-whatsapp-registration',
      'parley-synapse-secrets',
    ]);
    // Every Secret key a workload reads is rendered by the chart, given by the user, or made by a Job.
    const chartSecrets = new Set(manifests.filter((m) => m.kind === 'Secret').map((m) => m.metadata.name));
    for (const m of manifests.filter((m) => m.kind === 'Deployment')) {
      const text = JSON.stringify(m);
      for (const ref of text.matchAll(/"secretKeyRef":\{"name":"([^"]+)","key":"([^"]+)"\}/g)) {
        const [, name = '', key = ''] = ref;
        const plan = generated.get(name);
        if (plan) expect(plan.keys, `${m.metadata.name} reads ${name}/${key}`).toContain(key);
        else expect(chartSecrets.has(name) || GIVEN_SECRETS.has(name), `${m.metadata.name} reads ${name}`).toBe(true);
      }
    }
    // The hooks: RBAC and the plan first, then the Job; reading and patching only the chart's Secrets.
    for (const job of manifests.filter((m: any) => m.kind === 'Job' && m.metadata.name.endsWith('-init-secrets'))) {
      const j: any = job;
      expect(j.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      const before = manifests.filter((m: any) => m.metadata.name === j.metadata.name && m.kind !== 'Job') as any[];
      expect(before.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Role', 'RoleBinding', 'ServiceAccount']);
      for (const m of before)
        expect(Number(m.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(
          Number(j.metadata.annotations['helm.sh/hook-weight']),
        );
      const role = before.find((m) => m.kind === 'Role');
      const named = role.rules.find((r: any) => r.resourceNames);
      expect(named.verbs).toEqual(['get', 'patch']);
      expect(named.resourceNames.every((n: string) => generated.has(n))).toBe(true);
      expect(role.rules.flatMap((r: any) => r.resources)).toEqual(['secrets', 'secrets']);
      expect(j.spec.template.spec.serviceAccountName).toBe(j.metadata.name);
    }
  });

  it("makes each credential once with the Job's own program: never changes a key, renders registrations anew", () => {
    const plans = (extra: string[] = []) => {
      const result = template('parley', undefined, extra);
      expect(result.code, result.stderr).toBe(0);
      return parseManifests(result.stdout).filter(
        (m: any) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-init-secrets'),
      ) as any[];
    };
    const dir = mkdtempSync(join(tmpdir(), 'init-secrets-'));
    const runJob = (config: any, existing: Record<string, Record<string, string>>) => {
      const name = String(config.metadata.name);
      writeFileSync(join(dir, `${name}.py`), config.data['init_secrets.py']);
      writeFileSync(join(dir, `${name}.json`), config.data['plan.json']);
      writeFileSync(join(dir, 'existing.json'), JSON.stringify(existing));
      const result = run('python3', [
        join(dir, `${name}.py`),
        '--plan',
        join(dir, `${name}.json`),
        '--existing',
        join(dir, 'existing.json'),
      ]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Record<string, Record<string, string>>;
    };
    const merge = (a: Record<string, Record<string, string>>, b: Record<string, Record<string, string>>) => {
      const out = structuredClone(a);
      for (const [name, data] of Object.entries(b)) out[name] = { ...out[name], ...data };
      return out;
    };
    let cluster: Record<string, Record<string, string>> = {};
    for (const config of plans()) cluster = merge(cluster, runJob(config, cluster));
    const ingest = cluster['parley-ingest-registration'] ?? {};
    expect(ingest.as_token).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(ingest.hs_token).not.toBe(ingest.as_token);
    expect(parseManifests(ingest['registration.yaml'] ?? '')[0]).toMatchObject({
      as_token: ingest.as_token,
      hs_token: ingest.hs_token,
      url: 'http://parley-ingest:8080',
      receive_ephemeral: true,
    });
    const synapse = cluster['parley-synapse-secrets'] ?? {};
    expect(Object.keys(synapse).sort()).toEqual(['form_secret', 'macaroon_secret_key', 'registration_shared_secret']);
    const doublePuppet = parseManifests(cluster['parley-mautrix-whatsapp-doublepuppet']?.['registration.yaml'] ?? '');
    expect(doublePuppet[0]).toMatchObject({ url: null, sender_localpart: expect.stringMatching(/^[a-z0-9]{16}$/) });

    // The next upgrade finds everything: nothing is written.
    for (const config of plans())
      expect(Object.values(runJob(config, cluster)).every((w) => Object.keys(w).length === 0)).toBe(true);
    // A changed URL reaches the registration; the tokens stay.
    const changed = plans(['--set', 'ingest.appservice.url=http://ingest.other:8080']);
    const writes = runJob(
      changed.find((c) => c.metadata.name === 'parley-ingest-init-secrets'),
      cluster,
    )['parley-ingest-registration'];
    expect(Object.keys(writes ?? {})).toEqual(['registration.yaml']);
    expect(parseManifests(writes?.['registration.yaml'] ?? '')[0]).toMatchObject({
      as_token: ingest.as_token,
      url: 'http://ingest.other:8080',
    });
    // A Secret given whole (existingSecret) or tokens given inline need no Job.
    const given = template('parley', undefined, [
      '--set',
      'ingest.appservice.asToken=given-as',
      '--set',
      'ingest.appservice.hsToken=given-hs',
      '--set',
      'synapse.secrets.existingSecret=my-synapse-secrets',
    ]);
    expect(given.code, given.stderr).toBe(0);
    const names = parseManifests(given.stdout).map((m) => `${m.kind}/${m.metadata.name}`);
    expect(names).not.toContain('Job/parley-ingest-init-secrets');
    expect(names).not.toContain('Job/parley-synapse-init-secrets');
    expect(names).toContain('Secret/parley-ingest-registration');
    const half = template('parley', undefined, ['--set', 'ingest.appservice.asToken=only-one']);
    expect(half.code).not.toBe(0);
    expect(half.stderr).toContain('appservice.asToken and appservice.hsToken go together');
  });

  it('wires the umbrella: Synapse mounts the registrations that ingest and the bridge render', () => {
    const manifests = rendered.get(renderKey('parley')) ?? [];
    const secretNames = [...initSecretPlans(manifests).keys()];
    const synapse: any = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'parley-synapse');
    const mounted = synapse.spec.template.spec.volumes
      .filter((v: any) => v.secret)
      .map((v: any) => v.secret.secretName);
    expect(mounted).toEqual(
      expect.arrayContaining(['parley-ingest-registration', 'parley-mautrix-whatsapp-registration']),
    );
    for (const name of mounted) expect(secretNames).toContain(name);
    const config: any = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'parley-synapse');
    expect(config.data['homeserver.yaml']).toContain('/appservices/0/registration.yaml');
  });

  it('carries the umbrella globals (server name, Kafka) into every subchart', () => {
    const result = template('parley', undefined, [
      '--set',
      'global.serverName=chat.example.com',
      '--set',
      'global.kafkaBrokers=kafka-a:9092',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const manifests: any[] = parseManifests(result.stdout);
    const env = (name: string) =>
      Object.fromEntries(
        manifests
          .find((m) => m.kind === 'Deployment' && m.metadata.name === name)
          .spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
      );
    expect(env('parley-ingest').PARLEY_HOMESERVER_NAME).toBe('chat.example.com');
    for (const service of ['parley-ingest', 'parley-classifier', 'parley-crm-sink'])
      expect(env(service).PARLEY_KAFKA_BROKERS, service).toBe('kafka-a:9092');
    const synapse = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'parley-synapse');
    expect(synapse.data['homeserver.yaml']).toContain('server_name: chat.example.com');
    const bridge = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'parley-mautrix-whatsapp');
    expect(bridge.data['config.yaml']).toContain('domain: "chat.example.com"');
    // The bridge lets the homeserver's own users in (not example.org), and double-puppets staff.
    const bridgeConfig: any = parseManifests(bridge.data['config.yaml'])[0];
    expect(bridgeConfig.bridge.permissions).toEqual({ 'chat.example.com': 'user' });
    expect(Object.keys(bridgeConfig.double_puppet.secrets)).toEqual(['chat.example.com']);
    const plans = initSecretPlans(manifests);
    const dp = plans.get('parley-mautrix-whatsapp-doublepuppet')?.files['registration.yaml'] ?? '';
    expect(parseManifests(dp)[0]).toMatchObject({ url: null });
    const synapseDeployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'parley-synapse');
    expect(JSON.stringify(synapseDeployment.spec.template.spec.volumes)).toContain(
      'parley-mautrix-whatsapp-doublepuppet',
    );
    const bridgeDeployment = manifests.find(
      (m) => m.kind === 'Deployment' && m.metadata.name === 'parley-mautrix-whatsapp',
    );
    const probes = bridgeDeployment.spec.template.spec.containers[0];
    expect([probes.livenessProbe.httpGet.path, probes.readinessProbe.httpGet.path]).toEqual([
      '/_matrix/mau/live',
      '/_matrix/mau/ready',
    ]);
    // The ingest registration asks for receipts and typing.
    const registration = plans.get('parley-ingest-registration')?.files['registration.yaml'] ?? '';
    expect(parseManifests(registration)[0]).toMatchObject({ receive_ephemeral: true });
  });

  it('with values-strimzi.yaml: a TLS+SCRAM listener, one least-privilege KafkaUser per service, each service logging in as it', () => {
    const result = template('parley', 'charts/parley/values-strimzi.yaml');
    expect(result.code, result.stderr).toBe(0);
    const manifests: any[] = parseManifests(result.stdout);
    const kafka = manifests.find((m) => m.kind === 'Kafka');
    expect(kafka.spec.kafka.listeners).toEqual([
      { name: 'tls', port: 9093, type: 'internal', tls: true, authentication: { type: 'scram-sha-512' } },
    ]);
    expect(kafka.spec.kafka.authorization).toEqual({ type: 'simple' });
    const users = manifests.filter((m) => m.kind === 'KafkaUser');
    expect(users.map((u) => u.metadata.name).sort()).toEqual(['parley-classifier', 'parley-crm-sink', 'parley-ingest']);
    const grants = (name: string) => {
      const user = users.find((u) => u.metadata.name === name);
      // The fields and values Strimzi documents for KafkaUser (the CRD schema cannot be fetched here).
      expect(user.metadata.labels['strimzi.io/cluster']).toBe('parley-kafka');
      expect(user.spec.authentication).toEqual({ type: 'scram-sha-512' });
      expect(user.spec.authorization.type).toBe('simple');
      const byResource: Record<string, string[]> = {};
      for (const acl of user.spec.authorization.acls) {
        expect(['topic', 'group', 'cluster', 'transactionalId']).toContain(acl.resource.type);
        expect(['literal', 'prefix']).toContain(acl.resource.patternType);
        for (const op of acl.operations)
          expect([
            'Read',
            'Write',
            'Create',
            'Delete',
            'Alter',
            'Describe',
            'ClusterAction',
            'AlterConfigs',
            'DescribeConfigs',
            'IdempotentWrite',
            'All',
          ]).toContain(op);
        const key = `${acl.resource.type}:${acl.resource.name}`;
        byResource[key] = [...(byResource[key] ?? []), ...acl.operations].sort();
      }
      return byResource;
    };
    const readers = { 'group:parley-range-reader-': ['Delete', 'Read'], 'group:parley-follower-': ['Delete', 'Read'] };
    expect(grants('parley-ingest')).toEqual({
      'topic:parley.matrix.events.v1': ['Describe', 'Describe', 'Read', 'Write'],
      'topic:parley.matrix.events.dlq': ['Describe', 'Write'],
      'topic:parley.matrix.ephemeral.v1': ['Describe', 'Write'],
      'topic:parley.matrix.rooms.v1': ['Describe', 'Write'],
      'topic:parley.ingest.state.v1': ['Describe', 'Describe', 'Read', 'Write'],
      ...readers,
    });
    expect(grants('parley-classifier')).toEqual({
      'topic:parley.matrix.events.v1': ['Describe', 'Read'],
      'topic:parley.classifications.v1': ['Describe', 'Write'],
      'topic:parley.classifications.dlq': ['Describe', 'Write'],
      'group:parley-classifier': ['Read'],
      ...readers,
    });
    expect(grants('parley-crm-sink')).toEqual({
      'topic:parley.classifications.v1': ['Describe', 'Read'],
      'topic:parley.matrix.rooms.v1': ['Describe', 'Read'],
      'topic:parley.crm-sink.state.v1': ['Describe', 'Describe', 'Read', 'Write'],
      'topic:parley.crm-sink.dlq': ['Describe', 'Write'],
      'topic:parley.conversations.v1': ['Describe', 'Describe', 'Read', 'Write'],
      'topic:parley.identity-decisions.v1': ['Describe', 'Describe', 'Read', 'Write'],
      'group:parley-crm-sink': ['Read'],
      ...readers,
    });
    for (const service of ['ingest', 'classifier', 'crm-sink']) {
      const pod = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === `parley-${service}`).spec
        .template.spec;
      const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
      expect(env, service).toMatchObject({
        PARLEY_KAFKA_BROKERS: 'parley-kafka-kafka-bootstrap:9093',
        PARLEY_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        PARLEY_KAFKA_SSL_CA_FILE: '/etc/parley/kafka/ca/ca.pem',
        PARLEY_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        PARLEY_KAFKA_SASL_USERNAME: `parley-${service}`,
        PARLEY_KAFKA_SASL_PASSWORD_FILE: '/etc/parley/kafka/sasl/password',
        PARLEY_KAFKA_CREATE_TOPICS: 'false',
      });
      // No credential in the manifest: the password and the CA come from the Secrets Strimzi writes.
      expect(JSON.stringify(pod.containers[0].env)).not.toMatch(/PARLEY_KAFKA_SASL_PASSWORD"/);
      const secrets = Object.fromEntries(
        pod.volumes.filter((v: any) => v.secret).map((v: any) => [v.name, v.secret.secretName]),
      );
      expect(secrets, service).toMatchObject({
        'kafka-ca': 'parley-kafka-cluster-ca-cert',
        'kafka-sasl': `parley-${service}`,
      });
    }
  });

  it('renders plaintext Kafka settings by default and refuses SASL without a user or password Secret', () => {
    const plain: any[] = rendered.get(renderKey('classifier')) ?? [];
    const env = plain.find((m) => m.kind === 'Deployment').spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'PARLEY_KAFKA_SECURITY_PROTOCOL').value).toBe('PLAINTEXT');
    expect(JSON.stringify(env)).not.toContain('SASL');
    const noUser = template('classifier', undefined, ['--set', 'kafka.security.protocol=SASL_SSL']);
    expect(noUser.code).not.toBe(0);
    expect(noUser.stderr).toContain('kafka.security.sasl.username is required');
    const noSecret = template('classifier', undefined, [
      '--set',
      'kafka.security.protocol=SASL_PLAINTEXT',
      '--set',
      'kafka.security.sasl.username=classifier',
    ]);
    expect(noSecret.stderr).toContain('kafka.security.sasl.passwordSecret.name is required');
  });

  it("runs the READMEs' Helm commands as written on a fresh clone (install rendered client-side)", () => {
    // Tracked files only, as a clone has them: no built subchart archives.
    const clone = mkdtempSync(join(tmpdir(), 'readme-helm-'));
    const files = run('git', ['ls-files', 'charts'], { cwd: ROOT });
    expect(files.code, files.stderr).toBe(0);
    for (const file of files.stdout.split('\n').filter(Boolean)) {
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(clone, file));
    }
    const commands = ['README.md', 'charts/README.md'].flatMap((readme) =>
      helmCommandsIn(readFileSync(join(ROOT, readme), 'utf8')),
    );
    expect(commands.map((c) => c[1])).toEqual(['dependency', 'install', 'dependency', 'install', 'install']);
    for (const [, verb, ...args] of commands) {
      // `helm install --dry-run=client` still asks a cluster for its version (Helm 3.22); `helm template`
      // renders the same release with the same arguments and no cluster.
      const result = run(tools.helm, [verb === 'install' ? 'template' : (verb ?? ''), ...args], { cwd: clone });
      expect(result.code, `helm ${verb ?? ''} ${args.join(' ')}\n${result.stderr}`).toBe(0);
      if (verb === 'install') expect(parseManifests(result.stdout).some((m) => m.kind === 'Deployment')).toBe(true);
    }
  });

  it('validates the plain manifests of k8s/ and lists each in the kustomization', () => {
    const kustomization: any = parseManifests(readFileSync(join(ROOT, 'k8s/kustomization.yaml'), 'utf8'))[0];
    const validators = crdValidators(tools.crdDirs);
    for (const file of kustomization.resources as string[]) {
      const manifests = parseManifests(readFileSync(join(ROOT, 'k8s', file), 'utf8'));
      expect(manifests.length, file).toBeGreaterThan(0);
      const core = manifests.filter((m) => CORE_API.test(m.apiVersion));
      if (core.length > 0) {
        const out = join(workdir, `k8s_${file.replace(/\W+/g, '_')}.yaml`);
        writeFileSync(out, core.map((m) => JSON.stringify(m)).join('\n---\n'));
        const result = run(tools.validate, ['--strict', '--quiet', '--no-warn', out]);
        expect(result.code, `${file}\n${result.stdout}${result.stderr}`).toBe(0);
      }
      for (const m of manifests.filter(
        (x) => !CORE_API.test(x.apiVersion) && !x.apiVersion.startsWith('kafka.strimzi.io'),
      )) {
        const validate = validators.get(`${m.apiVersion}/${m.kind}`);
        expect(validate?.(m), `${file} ${m.kind}: ${JSON.stringify(validate?.errors)}`).toBe(true);
      }
    }
  });
});
