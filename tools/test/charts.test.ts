import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const CORE_API = /^(v1|apps\/v1|batch\/v1|policy\/v1|networking\.k8s\.io\/v1|autoscaling\/v2)$/;

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
      expect(manifests.filter((m) => m.kind === 'ServiceAccount')).toEqual([]);
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

  it('renders no Secret value from default values: every value is generated afresh', () => {
    const secrets = (manifests: Manifest[]) =>
      manifests
        .filter((m) => m.kind === 'Secret')
        .flatMap((m: any) =>
          Object.entries({ ...(m.data ?? {}), ...(m.stringData ?? {}) }).map(([k, v]): [string, string] => [
            `${String(m.metadata.name)}/${k}`,
            String(v),
          ]),
        );
    const again = template('parley');
    expect(again.code, again.stderr).toBe(0);
    const first = new Map(secrets(rendered.get(renderKey('parley')) ?? []));
    const second = new Map(secrets(parseManifests(again.stdout)));
    expect(first.size).toBeGreaterThan(3);
    for (const [name, value] of first) expect(second.get(name), `${name} repeats between renders`).not.toBe(value);
  });

  it('wires the umbrella: Synapse mounts the registrations that ingest and the bridge render', () => {
    const manifests = rendered.get(renderKey('parley')) ?? [];
    const secretNames = manifests.filter((m) => m.kind === 'Secret').map((m) => m.metadata.name);
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
    const dp = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === 'parley-mautrix-whatsapp-doublepuppet');
    expect(parseManifests(dp.stringData['registration.yaml'])[0]).toMatchObject({ url: null });
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
    const registration = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === 'parley-ingest-registration');
    expect(parseManifests(registration.stringData['registration.yaml'])[0]).toMatchObject({ receive_ephemeral: true });
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
