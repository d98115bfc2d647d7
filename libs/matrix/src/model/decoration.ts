import { parseProtocolPatterns, type ProtocolPattern } from './protocol-patterns.ts';

/**
 * Bridges decorate the names they set: mautrix-whatsapp's default displayname template ends in " (WA)",
 * and its DM portals are named after the contact's display name. A rule per protocol removes it.
 */
/** `pattern` is matched against the name; the match is removed. */
export type NameDecoration = ProtocolPattern;

export const DEFAULT_NAME_DECORATIONS: readonly NameDecoration[] = [
  { protocol: 'whatsapp', pattern: /\s*\(WA\)$/ },
  { protocol: 'telegram', pattern: /\s*\(Telegram\)$/ },
  { protocol: 'signal', pattern: /\s*\(Signal\)$/ },
];

/** The name without its bridge's decoration; `protocol` undefined tries every rule. */
export function undecorated(
  name: string,
  protocol: string | undefined,
  rules: readonly NameDecoration[] = DEFAULT_NAME_DECORATIONS,
): string {
  for (const rule of rules) {
    if (protocol !== undefined && rule.protocol !== protocol) continue;
    const stripped = name.replace(rule.pattern, '').trim();
    if (stripped !== name) return stripped === '' ? name : stripped;
  }
  return name;
}

/** A display name that is only a phone number (WhatsApp without a saved name) is not a person's name. */
export function isPhoneNumberOnly(name: string): boolean {
  return /^\+?[\d\s()./-]{6,}$/.test(name.trim());
}

/** Parses "protocol=regex" pairs (comma-separated) from configuration, like the ghost rules. */
export const parseNameDecorations = (spec: string): NameDecoration[] => parseProtocolPatterns(spec, 'name decoration');
