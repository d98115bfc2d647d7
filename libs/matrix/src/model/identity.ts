import type { SenderInfo, Side } from '@parley/contracts';
import { isPhoneNumberOnly, undecorated, type NameDecoration } from './decoration.ts';
import { parseProtocolPatterns } from './protocol-patterns.ts';

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
  /** Bridge decorations removed from display names (default: " (WA)" and the like). */
  decorations?: readonly NameDecoration[];
  /** Bridge bots by user id, to recognise a bridge's management room (default: mautrix's bot names). */
  bridgeBots?: RegExp;
}

/** What the room says about who is the business, besides the sender's own user id. */
export interface SenderExtra {
  displayName?: string;
  bridgeBot?: string;
  content?: Record<string, unknown>;
  /** io.element.functional_members: the bridge's bot and the business's own ghosts (bridgev2 lists them). */
  serviceMembers?: readonly string[];
  /** fi.mau.receiver: the bridged account's own number (digits); its ghost is the business. */
  receiver?: string;
}

/**
 * Who sent an event, as the business sees it. The business side is told by the double-puppet marker
 * mautrix sets on messages the business sent from its phone (double puppeting on), by the room's
 * functional members and the bridged account's own number (the business's ghost, double puppeting
 * off), by the bridge bot, and by configured rules. Display names lose the bridge's decoration.
 */
export function identifySender(userId: string, context: IdentityContext, extra: SenderExtra = {}): SenderInfo {
  let isBridgeGhost = false;
  let remoteUserId: string | undefined;
  let protocol: string | undefined;
  let automated = false;
  for (const rule of context.ghostRules) {
    const match = rule.pattern.exec(userId);
    if (match?.[1] !== undefined) {
      isBridgeGhost = true;
      protocol = rule.protocol;
      remoteUserId = remoteIdFor(rule.protocol, match[1]);
      // WhatsApp's Meta AI and other bots are ghosts "bot-<id>": neither customer nor business.
      automated = rule.protocol === 'whatsapp' && match[1].startsWith('bot-');
      break;
    }
  }
  const doublePuppet = typeof extra.content?.['fi.mau.double_puppet_source'] === 'string';
  const displayName = nameOf(extra.displayName, protocol, context.decorations);
  // The business's own ghosts: listed as functional members, or standing for the bridged account's own
  // number, by id or, for its LID ghost (which hides the number), by the name the bridge gave it.
  const ownNumber = extra.receiver === undefined ? undefined : `+${extra.receiver}`;
  const ownGhost =
    extra.serviceMembers?.includes(userId) === true ||
    (isBridgeGhost &&
      ownNumber !== undefined &&
      (remoteUserId === ownNumber ||
        (extra.displayName !== undefined &&
          undecorated(extra.displayName, protocol, context.decorations).replace(/\s/g, '') === ownNumber)));
  const marked = doublePuppet || userId === extra.bridgeBot || ownGhost;
  const side =
    automated && !context.sideRule.business?.test(userId)
      ? 'unknown'
      : sideOf(userId, isBridgeGhost, marked, context.sideRule);
  return {
    userId,
    isBridgeGhost,
    side,
    ...(remoteUserId !== undefined && { remoteUserId }),
    ...(displayName !== undefined && { displayName }),
  };
}

/** The display name without the bridge's decoration; a name that is only a phone number is no name. */
function nameOf(
  raw: string | undefined,
  protocol: string | undefined,
  decorations: readonly NameDecoration[] | undefined,
): string | undefined {
  if (raw === undefined) return undefined;
  const name = undecorated(raw, protocol, decorations);
  return name === '' || isPhoneNumberOnly(name) ? undefined : name;
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
export const parseGhostRules = (spec: string): GhostRule[] => parseProtocolPatterns(spec, 'ghost rule');
