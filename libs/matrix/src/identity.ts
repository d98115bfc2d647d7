import type { SenderInfo, Side } from '@parley/contracts';

/** Recognises a bridge's puppets ("ghosts") by user id and extracts the remote user's id. */
export interface GhostRule {
  protocol: string;
  /** Matched against the full user id; the first capture group is the remote id. */
  pattern: RegExp;
}

export const DEFAULT_GHOST_RULES: readonly GhostRule[] = [
  { protocol: 'whatsapp', pattern: /^@whatsapp_([^:]+):/ },
  { protocol: 'telegram', pattern: /^@telegram_([^:]+):/ },
  { protocol: 'signal', pattern: /^@signal_([^:]+):/ },
];

export interface SideRule {
  /** Users matching this are customers even when they are not ghosts. */
  customers?: RegExp;
  /** Users matching this are the business even when they are ghosts (e.g. the business's own number). */
  business?: RegExp;
  /** Whether a bridge ghost with no other rule is a customer (the usual WhatsApp support setup). */
  ghostsAreCustomers: boolean;
}

export const DEFAULT_SIDE_RULE: SideRule = { ghostsAreCustomers: true };

export interface IdentityContext {
  ghostRules: readonly GhostRule[];
  sideRule: SideRule;
}

/**
 * Who sent an event, as the business sees it. `content` is read for the double-puppet marker that
 * mautrix bridges set on messages the business sent from its own phone.
 */
export function identifySender(
  userId: string,
  context: IdentityContext,
  extra: { displayName?: string; bridgeBot?: string; content?: Record<string, unknown> } = {},
): SenderInfo {
  let isBridgeGhost = false;
  let remoteUserId: string | undefined;
  for (const rule of context.ghostRules) {
    const match = rule.pattern.exec(userId);
    if (match?.[1] !== undefined) {
      isBridgeGhost = true;
      remoteUserId = remoteIdFor(rule.protocol, match[1]);
      break;
    }
  }
  const doublePuppet = typeof extra.content?.['fi.mau.double_puppet_source'] === 'string';
  const side = sideOf(userId, isBridgeGhost, doublePuppet || userId === extra.bridgeBot, context.sideRule);
  return {
    userId,
    isBridgeGhost,
    side,
    ...(remoteUserId !== undefined && { remoteUserId }),
    ...(extra.displayName !== undefined && { displayName: extra.displayName }),
  };
}

function sideOf(userId: string, isGhost: boolean, isBusinessMarked: boolean, rule: SideRule): Side {
  if (rule.business?.test(userId)) return 'business';
  if (rule.customers?.test(userId)) return 'customer';
  if (isBusinessMarked) return 'business';
  if (isGhost) return rule.ghostsAreCustomers ? 'customer' : 'unknown';
  return rule.ghostsAreCustomers ? 'business' : 'unknown';
}

/** WhatsApp ghosts are named after the phone number (E.164 without '+') or a hidden LID ("lid-…"). */
function remoteIdFor(protocol: string, localId: string): string {
  if (protocol === 'whatsapp' && /^\d{6,15}$/.test(localId)) return `+${localId}`;
  return localId;
}

/** Parses "protocol=regex" pairs (comma-separated) from configuration. */
export function parseGhostRules(spec: string): GhostRule[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`ghost rule "${part}" must look like protocol=regex`);
      const pattern = new RegExp(part.slice(eq + 1));
      return { protocol: part.slice(0, eq), pattern };
    });
}
