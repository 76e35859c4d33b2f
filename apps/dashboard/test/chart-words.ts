import type { ChartWords } from '../lib/chart-options.js';
import { wordsOf } from './catalogue-words.js';

/** The `charts` catalogue's translator as a page gets it. */
export const chartWords = (locale: 'en' | 'ko' = 'en'): ChartWords => wordsOf('charts', locale);
