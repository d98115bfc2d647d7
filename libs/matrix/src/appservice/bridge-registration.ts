import { errorMessage, parseDocument } from '@parley/service-runtime';
import { z } from 'zod';
import type { GhostRule } from '../model/identity.ts';

const KNOWN_PROTOCOLS = [
  'whatsapp',
  'telegram',
  'signal',
  'discord',
  'slack',
  'meta',
  'gmessages',
  'twitter',
  'bluesky',
];

/** What a bridge's registration file says about its users (mautrix bridges write one with `-g`). */
const BridgeRegistrationFile = z.looseObject({
  id: z.string().min(1),
  sender_localpart: z.string().min(1),
  namespaces: z.looseObject({
    users: z.array(z.looseObject({ regex: z.string().min(1), exclusive: z.boolean().optional() })).default([]),
  }),
});

export interface BridgeRegistration {
  protocol: string;
  /** The bridge's user namespaces (its ghosts and its bot), as Parley's registration should watch them. */
  userRegexes: string[];
  /** Recognises the bridge's ghosts and captures the remote id, whatever its username_template. */
  ghostRule: GhostRule;
  bot: string;
}

export class BridgeRegistrationError extends Error {
  override readonly name = 'BridgeRegistrationError';
}

/**
 * Reads a bridge's appservice registration: its ghost namespace becomes a ghost rule and its user
 * namespaces what Parley's own registration watches, so any `username_template` works (a deployment
 * following an older guide's `_whatsapp_{{.}}` included).
 */
export function readBridgeRegistration(text: string, source = 'the bridge registration'): BridgeRegistration {
  const parsed = parseDocument(text, BridgeRegistrationFile, 'bridge registration', source, BridgeRegistrationError);
  const { id, sender_localpart: bot, namespaces } = parsed;
  const regexes = namespaces.users.map((u) => u.regex);
  // The ghost namespace is the one with a wildcard; the bot's is a fixed localpart.
  const ghost = regexes.find((r) => /\.[*+]/.test(r) && !r.includes(`@${bot}:`));
  if (ghost === undefined)
    throw new BridgeRegistrationError(`${source} has no ghost namespace (a users regex with .* or .+)`);
  const withCapture = ghost.replace(/\.[*+]/, '(.+?)');
  let pattern: RegExp;
  try {
    pattern = new RegExp(withCapture.startsWith('^') ? withCapture : `^${withCapture}`);
  } catch (error) {
    throw new BridgeRegistrationError(
      `${source}: the ghost namespace ${ghost} is not a valid regex (${errorMessage(error)})`,
    );
  }
  const lower = `${id} ${bot}`.toLowerCase();
  const protocol = KNOWN_PROTOCOLS.find((p) => lower.includes(p)) ?? id.toLowerCase();
  return { protocol, userRegexes: regexes, ghostRule: { protocol, pattern }, bot };
}
