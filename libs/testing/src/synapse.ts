import { createHmac } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { ensureComponent, required, runDirectory, TEST_INSTANCE } from './components.ts';
import { uniqueName } from './unique.ts';

/** An appservice registration as Synapse reads it from app_service_config_files. */
export interface AppserviceRegistration {
  id: string;
  url: string | null;
  as_token: string;
  hs_token: string;
  sender_localpart: string;
  namespaces: {
    users?: { regex: string; exclusive: boolean }[];
    aliases?: { regex: string; exclusive: boolean }[];
    rooms?: { regex: string; exclusive: boolean }[];
  };
  rate_limited?: boolean;
  receive_ephemeral?: boolean;
  'de.sorunome.msc2409.push_ephemeral'?: boolean;
}

export class MatrixRequestError extends Error {
  override readonly name = 'MatrixRequestError';
  readonly status: number;
  readonly body: unknown;
  constructor(message: string, status: number, body: unknown) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** A Matrix account in the test homeserver, with a minimal Client-Server API caller. */
export interface MatrixUser {
  userId: string;
  accessToken: string;
  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

export interface TestSynapse {
  url: string;
  serverName: string;
  version: string;
  /** Registers a user with a unique localpart (through the shared-secret admin API). */
  registerUser(prefix?: string): Promise<MatrixUser>;
  /** A caller acting with an access token (for example an appservice's as_token). */
  as(accessToken: string, userId: string): MatrixUser;
  /**
   * Deletes the transactions Synapse holds for an appservice and has not delivered yet, as if it had
   * lost them (see catch-up in libs/matrix). Returns how many there were.
   */
  dropPendingTransactions(appserviceId: string): number;
}

export interface StartSynapseOptions {
  /** Registrations Synapse must load; it restarts when the set differs from the running one. */
  appservices?: AppserviceRegistration[];
  /** A Synapse of its own (e.g. "e2e"), so restarting it with other registrations disturbs no other test. */
  instance?: string;
  /** A folder of registrations that someone else keeps (the local stack's); used as it is, never rewritten. */
  appserviceDir?: string;
}

export async function startSynapse(options: StartSynapseOptions = {}): Promise<TestSynapse> {
  const extraEnv: Record<string, string> = {};
  if (options.appservices && options.appservices.length > 0) {
    const dir = `${runDirectory()}/${options.instance ?? TEST_INSTANCE}/appservices`;
    mkdirSync(dir, { recursive: true });
    // Exactly the given set: registrations of earlier runs would point Synapse at dead URLs.
    for (const file of readdirSync(dir)) rmSync(`${dir}/${file}`);
    for (const registration of options.appservices) {
      writeFileSync(`${dir}/${registration.id}.yaml`, stringify(registration));
    }
    extraEnv['SYNAPSE_APPSERVICE_DIR'] = dir;
  } else if (options.appserviceDir !== undefined) {
    extraEnv['SYNAPSE_APPSERVICE_DIR'] = options.appserviceDir;
  }
  const env = await ensureComponent('synapse', extraEnv, undefined, options.instance);
  const url = required(env, 'SYNAPSE_URL', 'synapse');
  const serverName = required(env, 'SYNAPSE_SERVER_NAME', 'synapse');
  const secret = required(env, 'SYNAPSE_REGISTRATION_SHARED_SECRET', 'synapse');

  const caller = (accessToken: string, userId: string): MatrixUser => ({
    userId,
    accessToken,
    request: (method, path, body) => matrixRequest(url, accessToken, method, path, body),
  });

  return {
    url,
    serverName,
    version: env['SYNAPSE_VERSION'] ?? 'unknown',
    as: caller,
    dropPendingTransactions(appserviceId) {
      const db = new DatabaseSync(`${runDirectory()}/${options.instance ?? TEST_INSTANCE}/synapse/homeserver.db`);
      try {
        // Synapse holds the database too: wait for its write lock rather than failing.
        db.exec('PRAGMA busy_timeout = 10000');
        const result = db.prepare('DELETE FROM application_services_txns WHERE as_id = ?').run(appserviceId);
        return Number(result.changes);
      } finally {
        db.close();
      }
    },
    async registerUser(prefix = 'user') {
      const username = uniqueName(prefix).toLowerCase();
      const password = uniqueName('pw');
      const { nonce } = await matrixRequest<{ nonce: string }>(url, undefined, 'GET', '/_synapse/admin/v1/register');
      const mac = createHmac('sha1', secret).update([nonce, username, password, 'notadmin'].join('\0')).digest('hex');
      const registered = await matrixRequest<{ user_id: string; access_token: string }>(
        url,
        undefined,
        'POST',
        '/_synapse/admin/v1/register',
        { nonce, username, password, admin: false, mac },
      );
      return caller(registered.access_token, registered.user_id);
    },
  };
}

export async function matrixRequest<T = Record<string, unknown>>(
  baseUrl: string,
  accessToken: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (accessToken) headers['authorization'] = `Bearer ${accessToken}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const parsed: unknown = text.length > 0 ? JSON.parse(text) : {};
  if (!response.ok) {
    throw new MatrixRequestError(`${method} ${path} answered ${response.status}: ${text}`, response.status, parsed);
  }
  return parsed as T;
}
