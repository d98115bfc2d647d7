// One registration for Parley: the CLI, the ingest chart and the compose init render the same fields.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServiceToExit } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { k8sTools, parseManifests, ROOT, run } from './k8s-tools.ts';

/** A registration without what differs by deployment: the tokens and where the homeserver pushes. */
const comparable = (text: string): Record<string, unknown> => {
  const { as_token: _as, hs_token: _hs, url: _url, ...rest } = parse(text) as Record<string, unknown>;
  return rest;
};

describe('Parley’s appservice registration', () => {
  it('is the same from the registration command, the ingest chart and the compose init', async () => {
    const cli = await runServiceToExit(join(ROOT, 'apps/ingest/src/main.ts'), {}, 30_000, [
      'registration',
      '--url',
      'http://ingest:8080',
    ]);
    expect(cli.code, cli.stderr).toBe(0);

    const { helm: helmBin } = k8sTools();
    const deps = run(helmBin, ['dependency', 'update', '--skip-refresh', join(ROOT, 'charts/ingest')]);
    expect(deps.code, deps.stderr).toBe(0);
    const helm = run(helmBin, ['template', 'parley', join(ROOT, 'charts/ingest')]);
    expect(helm.code, helm.stderr).toBe(0);
    // The chart's registration is the template its init-secrets Job fills with the tokens it makes.
    const plan = parseManifests(helm.stdout).find(
      (m) => m.kind === 'ConfigMap' && m.metadata.name === 'parley-ingest-init-secrets',
    ) as { data: Record<string, string> } | undefined;
    const spec = (
      JSON.parse(plan?.data['plan.json'] ?? '{"secrets":[]}') as {
        secrets: { name: string; files?: Record<string, string> }[];
      }
    ).secrets.find((x) => x.name === 'parley-ingest-registration');
    const chart = spec?.files?.['registration.yaml'] ?? '';
    expect(chart).toContain('@@as_token@@');

    const dir = mkdtempSync(join(tmpdir(), 'registration-'));
    const init = run('env', [
      `CONFIG_DIR=${dir}`,
      'SYNAPSE_DB_PASSWORD=p',
      'BRIDGE_DB_PASSWORD=p',
      'sh',
      join(ROOT, 'tools/compose/init.sh'),
    ]);
    expect(init.code, init.stderr).toBe(0);
    const compose = readFileSync(join(dir, 'appservices/parley.yaml'), 'utf8');

    const expected = comparable(cli.stdout);
    expect(expected).toMatchObject({ receive_ephemeral: true, 'de.sorunome.msc2409.push_ephemeral': true });
    expect(comparable(chart)).toEqual(expected);
    expect(comparable(compose)).toEqual(expected);
  }, 60_000);
});
