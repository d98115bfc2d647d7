/** A regular expression for one protocol's users or names (ghost rules, name decorations). */
export interface ProtocolPattern {
  protocol: string;
  pattern: RegExp;
}

/** Parses "protocol=regex" pairs (comma-separated) from configuration; `what` names them in errors. */
export function parseProtocolPatterns(spec: string, what: string): ProtocolPattern[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`${what} "${part}" must look like protocol=regex`);
      return { protocol: part.slice(0, eq), pattern: new RegExp(part.slice(eq + 1)) };
    });
}
