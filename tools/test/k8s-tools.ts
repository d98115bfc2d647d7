import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHARTS = ['ingest', 'classifier', 'crm-sink', 'synapse', 'mautrix-whatsapp', 'ollama', 'parley'];

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };

/** Paths of Helm, kubernetes-validate and the CRD folders, installed by tools/env/k8s-tools.sh. */
export function k8sTools(): {
  helm: string;
  validate: string;
  hadolint: string;
  composeSchema: string;
  crdDirs: string[];
} {
  const env = execFileSync('bash', [join(ROOT, 'tools/env/k8s-tools.sh'), 'env'], { encoding: 'utf8' });
  const get = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(env)?.[1] ?? '';
  return {
    helm: get('HELM'),
    validate: get('KUBERNETES_VALIDATE'),
    hadolint: get('HADOLINT'),
    composeSchema: get('COMPOSE_SCHEMA'),
    crdDirs: get('CRD_DIRS').split(':').filter(Boolean),
  };
}

export function run(
  command: string,
  args: string[],
  options: { cwd?: string } = {},
): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: options.cwd ?? ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null && typeof doc === 'object');
}

export function ciValues(chart: string): string[] {
  const dir = join(ROOT, 'charts', chart, 'ci');
  return readdirSync(dir)
    .filter((f) => f.endsWith('-values.yaml'))
    .map((f) => join(dir, f));
}

interface Crd {
  kind: string;
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema?: { openAPIV3Schema?: Record<string, unknown> } }[];
  };
}

/** Validators for custom resources, from the operators' CRDs (openAPIV3Schema of each served version). */
export function crdValidators(dirs: readonly string[]): Map<string, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  const validators = new Map<string, ValidateFunction>();
  for (const dir of dirs)
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const crd of parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => d.toJS() as Crd | null)) {
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions)
          if (version.schema?.openAPIV3Schema)
            validators.set(
              `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
              ajv.compile(stripKubernetesExtensions(version.schema.openAPIV3Schema) as Record<string, unknown>),
            );
      }
    }
  return validators;
}

function stripKubernetesExtensions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripKubernetesExtensions);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    // Go regular expressions with inline flags, e.g. (?i), are not JavaScript ones: left out.
    if (key === 'pattern' && typeof value === 'string' && value.includes('(?')) continue;
    out[key] = stripKubernetesExtensions(value);
  }
  // int-or-string fields carry no type; Kubernetes accepts both.
  if ((schema as Record<string, unknown>)['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  return out;
}
