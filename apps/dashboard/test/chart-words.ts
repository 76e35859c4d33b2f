import { readFileSync } from 'node:fs';
import { createTranslator } from 'next-intl';
import type { ChartWords } from '../lib/chart-options.js';

/** The `charts` catalogue's translator as a page gets it, read from the JSON (the tests' NodeNext check imports no JSON). */
export function chartWords(locale: 'en' | 'ko' = 'en'): ChartWords {
  const charts = JSON.parse(readFileSync(new URL(`../messages/${locale}/charts.json`, import.meta.url), 'utf8'));
  const t = createTranslator({ locale, messages: { charts }, namespace: 'charts' });
  return (key, values) => t(key as never, values as never);
}
