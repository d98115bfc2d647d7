// The real mautrix-whatsapp (tools/env/mautrix-whatsapp.sh: built from the Go module proxy) registered
// with a real Synapse: it starts, reports itself live, and its bot answers in a management room.
// WhatsApp itself cannot be reached from here; logging in (`login qr`) needs a machine with internet.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSynapse, waitFor, type MatrixUser } from '@parley/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './k8s-tools.ts';

const INSTANCE = 'real-bridge';
const script = join(ROOT, 'tools/env/mautrix-whatsapp.sh');
const bridge = (command: string, env: Record<string, string> = {}) =>
  execFileSync('bash', [script, command], {
    env: { ...process.env, PARLEY_INSTANCE: INSTANCE, ...env },
    encoding: 'utf8',
    timeout: 15 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
const envOf = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('the real mautrix-whatsapp bridge', () => {
  let env: Record<string, string>;
  let staff: MatrixUser;

  beforeAll(async () => {
    const runDir = execFileSync('bash', ['-c', `source ${join(ROOT, 'tools/env/lib.sh')} && echo "$PARLEY_RUN"`], {
      encoding: 'utf8',
    }).trim();
    const appservices = join(runDir, INSTANCE, 'synapse-appservices');
    rmSync(appservices, { recursive: true, force: true });
    mkdirSync(appservices, { recursive: true });
    // Synapse first (its address goes into the bridge config), then again with the bridge's registration.
    const first = await startSynapse({ instance: INSTANCE, appserviceDir: appservices });
    bridge('configure', {
      MAUTRIX_HOMESERVER_URL: first.url,
      MAUTRIX_DOMAIN: first.serverName,
      MAUTRIX_APPSERVICE_DIR: appservices,
    });
    const synapse = await startSynapse({ instance: INSTANCE, appserviceDir: appservices });
    env = envOf(bridge('start'));
    staff = await synapse.registerUser('staff');
  }, 20 * 60_000);

  afterAll(() => {
    bridge('stop');
    execFileSync('bash', [join(ROOT, 'tools/env/synapse.sh'), 'stop'], {
      env: { ...process.env, PARLEY_INSTANCE: INSTANCE },
    });
  });

  it('registers with a plain registration for its ghost namespace, receiving ephemeral events', () => {
    const registration = parse(readFileSync(env.MAUTRIX_WHATSAPP_REGISTRATION ?? '', 'utf8')) as {
      namespaces: { users: { regex: string; exclusive: boolean }[] };
      receive_ephemeral?: boolean;
    };
    expect(registration.namespaces.users.map((u) => u.regex).join(' ')).toContain('whatsapp_');
    expect(registration.namespaces.users.every((u) => u.exclusive)).toBe(true);
  });

  it('reports itself live and ready on its own health paths', async () => {
    for (const path of ['/_matrix/mau/live', '/_matrix/mau/ready']) {
      const response = await fetch(`${env.MAUTRIX_WHATSAPP_URL ?? ''}${path}`);
      expect([path, response.status]).toEqual([path, 200]);
    }
  });

  it('answers `help` in a room with its bot', async () => {
    const bot = env.MAUTRIX_WHATSAPP_BOT ?? '';
    const { room_id: roomId } = await staff.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', {
      invite: [bot],
      is_direct: true,
      preset: 'trusted_private_chat',
    });
    await waitFor(
      'the bot to join',
      async () => {
        const members = await staff.request<{ joined: Record<string, unknown> }>(
          'GET',
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/joined_members`,
        );
        return bot in members.joined ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await staff.request('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/help-1`, {
      msgtype: 'm.text',
      body: 'help',
    });
    const answer = await waitFor(
      'the bot to answer',
      async () => {
        const page = await staff.request<{ chunk: { sender: string; type: string; content: { body?: string } }[] }>(
          'GET',
          `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=50`,
        );
        return page.chunk.find((e) => e.sender === bot && e.type === 'm.room.message');
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(answer.content.body?.toLowerCase()).toContain('login');
  });
});
