import type { RunConfig } from '@reslab/contracts';

/** `2025-01-31 13:04:05 UTC`: the same text on every server, whatever its time zone. */
export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Wall time between two instants, `1 h 02 min`, `3 min 07 s` or `12 s`. */
export function formatDuration(fromIso: string | null, toIso: string | null): string {
  if (!fromIso || !toIso) return '—';
  const seconds = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  if (!Number.isFinite(seconds)) return '—';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

/** `resnet-56`, `plain-20`: the family and depth the course compares. */
export function modelLabel(config: { model: Pick<RunConfig['model'], 'arch' | 'depth'> }): string {
  return `${config.model.arch}-${config.model.depth}`;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

export function percent(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : String(value);
}

/** Learning rates span decades: `0.1`, `0.001`, `1.25e-5`. */
export function formatLr(value: number): string {
  if (!Number.isFinite(value) || value === 0) return String(value);
  return Math.abs(value) >= 1e-3 ? String(Number(value.toPrecision(4))) : value.toExponential(2);
}

/** `YYYY-MM-DD` from a date input → the end of that day, UTC (the dashboard shows times in UTC); else undefined. */
export function endOfDayUtc(date: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const end = new Date(`${date}T23:59:59.000Z`);
  return Number.isNaN(end.getTime()) ? undefined : end.toISOString();
}
