import type { RunConfig } from '@reslab/contracts';
import type { useFormatter } from 'next-intl';

/**
 * next-intl's formatter for the request's locale: `useFormatter()` in a component, `await getFormatter()` in an
 * async server component. Every function here that shows a date or a number takes it first, so English and
 * Korean pages format alike (`2025. 1. 31. 13시 4분 5초 UTC` in Korean) from one place.
 */
export type Formatter = ReturnType<typeof useFormatter>;

/** An instant in UTC, the same text on every server and in every browser whatever their time zone. */
export function formatTime(f: Formatter, iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return f.dateTime(d, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
    timeZoneName: 'short',
  });
}

/** A day, UTC as every time here: `Jan 31, 2025` / `2025. 1. 31.`. */
export function formatDate(f: Formatter, iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : f.dateTime(d, { dateStyle: 'medium', timeZone: 'UTC' });
}

/** Wall time between two instants in the locale's units: `1 hr 2 min` / `1시간 2분`, `3 min 7 sec`, `12 sec`. */
export function formatDuration(f: Formatter, fromIso: string | null, toIso: string | null): string {
  if (!fromIso || !toIso) return '—';
  const seconds = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  if (!Number.isFinite(seconds)) return '—';
  const unit = (value: number, name: 'hour' | 'minute' | 'second') =>
    f.number(value, { style: 'unit', unit: name, unitDisplay: 'short' });
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${unit(h, 'hour')} ${unit(m, 'minute')}`;
  if (m > 0) return `${unit(m, 'minute')} ${unit(s, 'second')}`;
  return unit(s, 'second');
}

/** `resnet-56`, `plain-20`: the family and depth the course compares. */
export function modelLabel(config: { model: Pick<RunConfig['model'], 'arch' | 'depth'> }): string {
  return `${config.model.arch}-${config.model.depth}`;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** A loss or a measurement with exactly `digits` decimals, in the locale's digits and separators. */
export function fixed(f: Formatter, value: number, digits: number): string {
  return Number.isFinite(value)
    ? f.number(value, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false })
    : String(value);
}

/** A fraction as a percentage: 0.9123 → `91.23%`. */
export function percent(f: Formatter, value: number, digits = 2): string {
  return Number.isFinite(value)
    ? f.number(value, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits })
    : String(value);
}

/** A count with the locale's grouping: `12,345`. */
export function count(f: Formatter, value: number): string {
  return f.number(value);
}

/** Learning rates span decades: `0.1`, `0.001`, `1.25e-5` (scientific notation below 1e-3). */
export function formatLr(f: Formatter, value: number): string {
  if (!Number.isFinite(value) || value === 0) return String(value);
  return Math.abs(value) >= 1e-3
    ? f.number(value, { maximumSignificantDigits: 4 })
    : f.number(value, { notation: 'scientific', maximumFractionDigits: 2 });
}

/** `YYYY-MM-DD` from a date input → the end of that day, UTC (the dashboard shows times in UTC); else undefined. */
export function endOfDayUtc(date: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const end = new Date(`${date}T23:59:59.000Z`);
  return Number.isNaN(end.getTime()) ? undefined : end.toISOString();
}
