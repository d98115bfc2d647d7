import type { ConversationV1 } from '@parley/contracts';

/** A duration as people read it: 45 s, 12 min, 3.1 h, 2.0 d. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${String(Math.round(seconds))} s`;
  if (seconds < 3600) return `${String(Math.round(seconds / 60))} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/**
 * The demo's closing table: one line per conversation with its first response, resolution, sentiment
 * (start → end, trend) and the person's segment.
 */
export function conversationTable(
  rows: readonly { name: string; conversation: ConversationV1 | undefined; segment: string | undefined }[],
): string[] {
  const cells = rows.map(({ name, conversation: c, segment }) => [
    name,
    c?.status ?? '—',
    duration(c?.firstResponseSeconds ?? null),
    c?.status === 'resolved' ? duration(c.resolutionSeconds) : '—',
    c ? `${c.sentiment.start ?? '—'} → ${c.sentiment.end ?? '—'} (${c.sentiment.trend ?? '—'})` : '—',
    segment ?? '—',
  ]);
  const header = ['conversation', 'status', 'first response', 'resolution', 'sentiment', 'segment'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
}
