import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { k8sTools, ROOT, run } from './k8s-tools.ts';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   The compose file is untyped YAML; the assertions are the types. */

const tools = k8sTools();
const compose: any = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const services: Record<string, any> = compose.services;
const PARLEY = ['ingest', 'classifier', 'crm-sink'];

/** `${VAR:-default}` → default; `${VAR:?message}` → undefined (must be set); plain text stays. */
const interpolate = (value: string): string | undefined =>
  /\$\{[A-Z0-9_]+:\?/.test(value) ? undefined : value.replace(/\$\{[A-Z0-9_]+:?-([^}]*)\}/g, '$1');
const hostOf = (address: string) => /^(?:[a-z]+:\/\/)?([^:/]+)/.exec(address)?.[1];

describe('docker compose stack (checked without an engine)', () => {
  it('follows the compose specification (its JSON schema, from compose-go)', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    // Its $schema names draft-07 by an https URL Ajv does not know; Ajv's default dialect is draft-07.
    const { $schema: _dialect, ...schema } = JSON.parse(readFileSync(tools.composeSchema, 'utf8')) as Record<
      string,
      unknown
    >;
    const validate = ajv.compile(schema);
    const raw = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
    expect(validate(raw), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('points every Parley service only at services of the file', () => {
    for (const name of PARLEY) {
      const env: Record<string, string> = services[name].environment;
      const addresses = Object.entries(env)
        .filter(([key]) => /(_URL|_BROKERS)$/.test(key) && !key.startsWith('OTEL'))
        .map(([key, value]) => [key, interpolate(value)] as const)
        .filter(([, value]) => value !== undefined && value !== '');
      expect(addresses.length, name).toBeGreaterThan(0);
      for (const [key, value] of addresses)
        for (const address of String(value).split(','))
          expect(Object.keys(services), `${name} ${key}=${String(value)}`).toContain(hostOf(address));
    }
  });

  it('generates registrations that Synapse loads, at the paths ingest and Synapse mount', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-init-'));
    const init = run('sh', [join(ROOT, 'tools/compose/init.sh')].concat([]));
    expect(init.code).not.toBe(0); // without its passwords the init job refuses to run
    const result = spawnSyncEnv('sh', [join(ROOT, 'tools/compose/init.sh')], {
      CONFIG_DIR: dir,
      SYNAPSE_DB_PASSWORD: 'p1',
      BRIDGE_DB_PASSWORD: 'p2',
    });
    expect(result.code, result.stderr).toBe(0);
    const homeserver: any = parse(readFileSync(join(dir, 'synapse/homeserver.yaml'), 'utf8'));
    const configMount = (service: string) =>
      (services[service].volumes as string[]).find((v) => v.startsWith('config:'))?.split(':')[1];
    expect(configMount('synapse')).toBe('/config');
    expect(configMount('ingest')).toBe('/config');
    for (const file of homeserver.app_service_config_files as string[]) {
      const local = join(dir, file.replace(/^\/config\//, ''));
      expect(existsSync(local), file).toBe(true);
      const registration: any = parse(readFileSync(local, 'utf8'));
      // The double-puppet registration is pushed to by nobody: it only lends the bridge its token.
      if (registration.url === null) continue;
      // Synapse pushes to a service of the file, on the port that service listens on.
      const url = new URL(registration.url);
      expect(Object.keys(services)).toContain(url.hostname);
      if (url.hostname === 'ingest') expect(url.port).toBe(services.ingest.environment.PARLEY_HTTP_PORT);
    }
    expect(homeserver.app_service_config_files).toContain(services.ingest.environment.PARLEY_AS_REGISTRATION_FILE);
    expect(Object.keys(services)).toContain(homeserver.database.args.host);
    const bridge: any = parse(readFileSync(join(dir, 'whatsapp/config.yaml'), 'utf8'));
    expect(Object.keys(services)).toContain(new URL(bridge.homeserver.address).hostname);
    expect(Object.keys(services)).toContain(new URL(bridge.database.uri).hostname);
    // Tokens agree between the bridge's config and the registration Synapse loads.
    const waRegistration: any = parse(readFileSync(join(dir, 'appservices/whatsapp.yaml'), 'utf8'));
    expect(bridge.appservice.as_token).toBe(waRegistration.as_token);
    // Double puppeting: the bridge's secret is the token of a registration Synapse loads.
    const doublePuppet: any = parse(readFileSync(join(dir, 'appservices/doublepuppet.yaml'), 'utf8'));
    expect(homeserver.app_service_config_files).toContain('/config/appservices/doublepuppet.yaml');
    expect(bridge.double_puppet.secrets[homeserver.server_name]).toBe(`as_token:${String(doublePuppet.as_token)}`);
    expect(bridge.bridge.permissions).toEqual({ [homeserver.server_name]: 'user' });
    // The bridge runs as its own user and is checked on the path it serves.
    expect(services['mautrix-whatsapp'].user).toBe('1337:1337');
    expect(JSON.stringify(services['mautrix-whatsapp'].healthcheck.test)).toContain('/_matrix/mau/live');
    // Ingest reads the bridge's registration for its ghost rules.
    expect(services.ingest.environment.PARLEY_BRIDGE_REGISTRATION_FILES).toBe('/config/appservices/whatsapp.yaml');
    // A second run keeps the tokens.
    const again = spawnSyncEnv('sh', [join(ROOT, 'tools/compose/init.sh')], {
      CONFIG_DIR: dir,
      SYNAPSE_DB_PASSWORD: 'p1',
      BRIDGE_DB_PASSWORD: 'p2',
    });
    expect(again.code).toBe(0);
    expect(parse(readFileSync(join(dir, 'appservices/whatsapp.yaml'), 'utf8')).as_token).toBe(waRegistration.as_token);
  });

  it('publishes no host port twice', () => {
    const published = Object.values(services).flatMap((s: any) =>
      ((s.ports ?? []) as string[]).map((p) => interpolate(p)?.split(':')[0]),
    );
    expect(published.length).toBeGreaterThan(3);
    expect(new Set(published).size).toBe(published.length);
  });

  it('orders start-up with conditions that the services can meet', () => {
    for (const [name, service] of Object.entries(services))
      for (const [dependency, { condition }] of Object.entries<any>(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(services[dependency].healthcheck, `${dependency} healthcheck`).toBeDefined();
        if (condition === 'service_completed_successfully')
          expect(services[dependency].restart, `${dependency} is a one-shot job`).toBeUndefined();
      }
    for (const name of PARLEY) expect(services[name].read_only, name).toBe(true);
  });

  it('documents in .env.example exactly the variables the compose file reads', () => {
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));
    const documented = new Set(
      [...readFileSync(join(ROOT, '.env.example'), 'utf8').matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]),
    );
    documented.delete('COMPOSE_PROFILES');
    expect([...used].sort()).toEqual([...documented].sort());
  });
});

describe('container images (checked without an engine)', () => {
  it('passes hadolint', () => {
    const result = run(tools.hadolint, ['Dockerfile']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it.each(PARLEY)(
    '%s starts and answers /healthz from exactly the image layout, as a non-root reader',
    async (app) => {
      expect(existsSync(join(ROOT, 'apps', app, 'dist/main.js')), `build ${app} first (tools/test.sh does)`).toBe(true);
      const out = join(mkdtempSync(join(tmpdir(), `image-${app}-`)), 'app');
      const assembled = run('bash', ['tools/docker/assemble.sh', app, out]);
      expect(assembled.code, assembled.stderr).toBe(0);
      // node_modules as `npm ci` would make it: third-party packages, and the workspace libraries linked in.
      mkdirSync(join(out, 'node_modules/@parley'), { recursive: true });
      for (const entry of readdirSync(join(ROOT, 'node_modules')))
        if (entry !== '@parley' && entry !== '.bin')
          symlinkSync(join(ROOT, 'node_modules', entry), join(out, 'node_modules', entry));
      for (const lib of readdirSync(join(out, 'libs')))
        symlinkSync(join('../../libs', lib), join(out, 'node_modules/@parley', lib));
      expect(existsSync(join(out, 'apps', app, 'src')), 'sources stay out of the image').toBe(false);

      const env = {
        PATH: process.env.PATH ?? '',
        PARLEY_HTTP_HOST: '127.0.0.1',
        PARLEY_HTTP_PORT: '0',
        PARLEY_KAFKA_BROKERS: '127.0.0.1:9',
        PARLEY_CLASSIFIER_BACKEND: 'baseline',
        PARLEY_NDJSON_PATH: join(out, '..', 'records.ndjson'),
        PARLEY_HOMESERVER_URL: 'http://127.0.0.1:9',
        PARLEY_HOMESERVER_NAME: 'parley.test',
        PARLEY_AS_ID: 'parley',
        PARLEY_AS_TOKEN: 'as-token-for-the-image-test',
        PARLEY_HS_TOKEN: 'hs-token-for-the-image-test',
      };
      // No --conditions=@parley/source: the libraries resolve to their built dist, as in the image.
      const child = spawn(process.execPath, [join(out, 'main.js')], {
        cwd: out,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let logs = '';
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => {
            reject(new Error(`no listening line within 30 s:\n${logs}`));
          }, 30_000);
          const onData = (chunk: Buffer) => {
            logs += chunk.toString();
            const match = /"address":"(http:\/\/[^"]+)"/.exec(logs);
            if (match?.[1]) {
              clearTimeout(timer);
              resolve(match[1]);
            }
          };
          child.stdout.on('data', onData);
          child.stderr.on('data', onData);
          child.on('exit', (code) => {
            reject(new Error(`exited ${String(code)}:\n${logs}`));
          });
        });
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
        // The operator commands the charts README runs with `kubectl exec … node /app/main.js`.
        if (app === 'crm-sink')
          for (const command of ['identity', 'forget']) {
            const usage = spawnSyncEnv(process.execPath, [join(out, 'main.js'), command, '--help'], env);
            expect(usage.code, usage.stderr).toBe(0);
            expect(usage.stdout).toContain(`usage: parley-crm-sink ${command}`);
          }
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
    60_000,
  );
});

function spawnSyncEnv(command: string, args: string[], env: Record<string, string>) {
  return run('env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args]);
}
