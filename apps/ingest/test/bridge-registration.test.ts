// A bridge registered with another username_template (an older guide's `_whatsapp_{{.}}`): Parley reads
// the bridge's own registration file for its namespace and its ghost rule.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runServiceToExit } from '@parley/testing';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inspectCommand } from '../src/inspect-command.ts';

const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bridge-registration-'));
const bridgeFile = join(dir, 'whatsapp-registration.yaml');
writeFileSync(
  bridgeFile,
  [
    'id: whatsapp',
    'url: http://mautrix-whatsapp:29318',
    'as_token: a',
    'hs_token: h',
    'sender_localpart: whatsappbot',
    'namespaces:',
    '  users:',
    '    - regex: ^@whatsappbot:example\\.org$',
    '      exclusive: true',
    '    - regex: ^@_whatsapp_.*:example\\.org$',
    '      exclusive: true',
  ].join('\n'),
);

describe('a bridge with its own username_template', () => {
  it('puts the bridge’s namespaces into Parley’s registration (registration --bridge-registration)', async () => {
    const result = await runServiceToExit(entry, {}, 30_000, [
      'registration',
      '--url',
      'http://ingest:8080',
      '--bridge-registration',
      bridgeFile,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const registration = parse(result.stdout) as {
      receive_ephemeral: boolean;
      namespaces: { users: { regex: string; exclusive: boolean }[] };
    };
    expect(registration.namespaces.users).toEqual([
      { regex: '^@whatsappbot:example\\.org$', exclusive: false },
      { regex: '^@_whatsapp_.*:example\\.org$', exclusive: false },
    ]);
    expect(registration.receive_ephemeral).toBe(true);
  });

  it('recognises the bridge’s ghosts and their numbers (PARLEY_BRIDGE_REGISTRATION_FILES)', async () => {
    const events = join(dir, 'events.jsonl');
    writeFileSync(
      events,
      JSON.stringify({
        type: 'm.room.message',
        room_id: '!r:example.org',
        event_id: '$1',
        sender: '@_whatsapp_4915112345678:example.org',
        origin_server_ts: 1_764_000_000_000,
        content: { msgtype: 'm.text', body: 'Hallo' },
      }),
    );
    const lines: { sender: { side: string; remoteUserId?: string; isBridgeGhost: boolean } }[] = [];
    process.env.PARLEY_BRIDGE_REGISTRATION_FILES = bridgeFile;
    try {
      expect(await inspectCommand([events], (line) => lines.push(JSON.parse(line) as (typeof lines)[number]))).toBe(0);
    } finally {
      delete process.env.PARLEY_BRIDGE_REGISTRATION_FILES;
    }
    expect(lines[0]?.sender).toMatchObject({ isBridgeGhost: true, remoteUserId: '+4915112345678', side: 'customer' });
  });

  it('stops with the setting named when the bridge registration cannot be read', async () => {
    const result = await runServiceToExit(
      entry,
      { PARLEY_BRIDGE_REGISTRATION_FILES: join(dir, 'missing.yaml') },
      30_000,
      ['inspect', bridgeFile],
    );
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('PARLEY_BRIDGE_REGISTRATION_FILES');
  });
});
