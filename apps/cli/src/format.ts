/** Plain-text tables and values for a terminal; no colours, so output pipes cleanly into grep and awk. */

export interface Column {
  header: string;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right';
}

export function table(columns: Column[], rows: string[][]): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? '';
        const width = widths[i] ?? 0;
        return column.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

/** Run and sweep ids are UUIDs; eight hex digits tell them apart in any realistic listing. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

/** Elapsed time since `iso`, coarsest unit that fits: `4s`, `3m`, `2h`, `5d`. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

/** A time to the minute, in UTC as the API gives it: `2026-01-31T18:05Z`. */
export function minute(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16)}Z`;
}

/** Team memberships as one phrase: `teams: a (owner), b (viewer)`. */
export function teamsPhrase(teams: { slug: string; role: string }[]): string {
  return teams.length ? `teams: ${teams.map((t) => `${t.slug} (${t.role})`).join(', ')}` : 'no teams yet';
}
