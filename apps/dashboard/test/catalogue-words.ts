import { readFileSync } from 'node:fs';
import { createTranslator } from 'next-intl';

/** A namespace's translator as a page gets it, read from the catalogue's JSON (the tests' NodeNext check imports no JSON). */
export function wordsOf<K extends string>(
  namespace: string,
  locale: 'en' | 'ko',
): (key: K, values?: Record<string, string | number>) => string {
  const json = JSON.parse(readFileSync(new URL(`../messages/${locale}/${namespace}.json`, import.meta.url), 'utf8'));
  const t = createTranslator({ locale, messages: { [namespace]: json }, namespace });
  return (key, values) => t(key as never, values as never);
}
