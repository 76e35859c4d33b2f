import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { acceptedLanguages, LOCALES, resolveLocale } from '../i18n/locales.js';

/**
 * The catalogues against each other and against the source: the same namespaces and keys in English and
 * Korean, ICU messages that parse with the same arguments, every key the source asks for present, and no
 * English sentence left as bare JSX text or as a literal accessible name in app/ or components/.
 */
type Tree = { [key: string]: string | Tree };

const dashboard = fileURLToPath(new URL('..', import.meta.url));
const messagesDir = join(dashboard, 'messages');

/**
 * The catalogues as messages/index.ts gathers them: `<locale>/<namespace>.json`. Read from the files (the tests'
 * NodeNext type check cannot import JSON without import attributes, which the dashboard's bundler config has no
 * need for); the first test checks that index.ts registers each file under its namespace.
 */
const messages = Object.fromEntries(
  LOCALES.map((locale) => [
    locale,
    Object.fromEntries(
      readdirSync(join(messagesDir, locale))
        .filter((f) => f.endsWith('.json'))
        .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(messagesDir, locale, f), 'utf8'))]),
    ),
  ]),
) as Record<(typeof LOCALES)[number], Tree>;

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

/**
 * `name:kind` for each argument and rich-text tag, e.g. `count:plural`, `link:tag`, `name:argument`. Languages
 * compare by argumentNames: English needs `{n, plural, …}` where Korean counts with `{n, number}개`.
 */
export function icuArguments(message: string): string[] {
  const found = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const el of elements) {
      switch (el.type) {
        case TYPE.argument:
          found.add(`${el.value}:argument`);
          break;
        case TYPE.number:
          found.add(`${el.value}:number`);
          break;
        case TYPE.date:
        case TYPE.time:
          found.add(`${el.value}:date`);
          break;
        case TYPE.select:
          found.add(`${el.value}:select`);
          for (const option of Object.values(el.options)) walk(option.value);
          break;
        case TYPE.plural:
          found.add(`${el.value}:plural`);
          for (const option of Object.values(el.options)) walk(option.value);
          break;
        case TYPE.tag:
          found.add(`${el.value}:tag`);
          walk(el.children);
          break;
        default:
          break;
      }
    }
  };
  walk(parse(message));
  return [...found].sort();
}

/** The values a message needs and the tags it wraps, whatever the kind of each: `count`, `<link>`. */
export function argumentNames(message: string): string[] {
  const names = icuArguments(message).map((a) => {
    const [name, kind] = a.split(':');
    return kind === 'tag' ? `<${name}>` : (name as string);
  });
  return [...new Set(names)].sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const SOURCES = ['app', 'components'].flatMap((d) => sourceFiles(join(dashboard, d)));

/** Comments out, strings kept: a key or a sentence in a comment is neither used nor shown. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/**
 * Text a user sees that needs no translation, each with its reason. Compared after trimming.
 * Anything else with a letter in it, written straight into JSX, fails the scan below.
 */
const UNTRANSLATED: Record<string, string> = {
  ResLab: 'the product name',
  '—': 'an empty cell',
};

/** Bare JSX text: `>Some words<` (also across lines), skipping expressions `{…}`. */
function bareTexts(source: string): string[] {
  const code = withoutComments(source);
  const found: string[] = [];
  // Not after `=` or `-`: an arrow `=>` or `->` is code, not the end of a tag.
  for (const match of code.matchAll(/(?<![=-])>([^<>{}]*)(?=[<{])/g)) {
    const text = (match[1] ?? '').trim();
    if (!/[A-Za-z]{2,}/.test(text)) continue;
    // TypeScript, not JSX: generics, template strings, object literals and comparisons put `>` before code.
    if (/[=;()[\]`$]|&&|\|\||^\s*[.,:?]/.test(text) || /^[a-z]+\s*[),]/.test(text)) continue;
    if (
      /^\w+$/.test(text) &&
      /^[A-Z]/.test(text) &&
      /<\s*$/.test(code.slice(0, (match.index ?? 0) + match[0].length + 1))
    )
      continue;
    if (/\w:\s*$|,\s*\n\s*\w+[:,]/m.test(text)) continue;
    if (UNTRANSLATED[text] !== undefined) continue;
    found.push(text);
  }
  return found;
}

/** English in attributes that a screen reader or the page shows: aria-label="Runs of this sweep". */
function literalAttributes(source: string): string[] {
  const code = withoutComments(source);
  return [...code.matchAll(/\b(aria-label|placeholder|title|label|alt)="([^"]*[A-Za-z]{3,}[^"]*)"/g)]
    .map((m) => `${m[1]}="${m[2]}"`)
    .filter((attr) => !/="[a-z0-9_-]+"$/.test(attr) || /(aria-label|title|alt)=/.test(attr));
}

/**
 * The chart modules build each figure's option, and ECharts draws their text inside the canvas, where no JSX scan
 * sees it. Axis names and the series a component renames (withAxisNames, withSeriesNames) may stay English there;
 * text nothing renames may not: the literal parts of template strings (tooltips, labels, series named from a
 * net's label) and the strings of a colour scale's `text` or a `formatter`. Other strings in these files are
 * ECharts' own words (`'line'`, `'value'`) or axis names, which this scan cannot tell from a shown word, so it
 * leaves them to withAxisNames; lib/sweep-form and lib/api-client keep English on purpose (their messages are the
 * fallback and the log line), so they are not scanned.
 */
const CHART_SOURCES = ['chart-options.ts', 'analysis-charts.ts', 'curvature-chart.ts'].map((f) =>
  join(dashboard, 'lib', f),
);

/** Literal text in a chart module that the chart draws as it is, each with the reason it needs no translation. */
const CHART_CODE: Record<string, string> = {
  'band-': 'an ECharts stack id, never shown',
};

/** A template literal's own text, its `${…}` expressions (which may hold braces and templates) taken out. */
function templateText(source: string, start: number): { text: string; end: number } {
  let text = '';
  let i = start + 1;
  while (i < source.length && source[i] !== '`') {
    if (source[i] === '\\') {
      text += source.slice(i, i + 2);
      i += 2;
    } else if (source[i] === '$' && source[i + 1] === '{') {
      let depth = 1;
      i += 2;
      while (i < source.length && depth > 0) {
        if (source[i] === '`') i = templateText(source, i).end;
        else if (source[i] === '{') depth++;
        else if (source[i] === '}') depth--;
        i++;
      }
      text += ' ';
    } else text += source[i++];
  }
  return { text, end: i };
}

function chartTexts(source: string): string[] {
  const code = withoutComments(source);
  const found: string[] = [];
  for (let i = 0; i < code.length; i++) {
    if (code[i] !== '`') continue;
    const { text, end } = templateText(code, i);
    found.push(text);
    i = end;
  }
  for (const m of code.matchAll(/\b(?:text|formatter):\s*(\[[^\]]*\]|'[^']*')/g)) {
    const strings = (m[1] as string).replace(/\bt\('[^']*'/g, '');
    found.push(...[...strings.matchAll(/'([^']*)'/g)].map((s) => s[1] as string));
  }
  return found
    .map((t) => t.trim())
    .filter((t) => /[A-Za-z]{3,}/.test(t.replace(/<br\/>/g, '')) && CHART_CODE[t] === undefined);
}

/** `const t = useTranslations('sweep')` → t ↦ sweep; then every `t('key')`, `t.rich('key')` and `t(\`prefix.${…}\`)`. */
function usedKeys(source: string): { key: string; prefix: boolean }[] {
  const code = withoutComments(source);
  const namespaces = new Map<string, string>();
  for (const m of code.matchAll(
    /const\s+(\w+)\s*=\s*(?:await\s+)?(?:useTranslations|getTranslations)\(\s*'([\w.-]+)'\s*\)/g,
  )) {
    namespaces.set(m[1] as string, m[2] as string);
  }
  // const [t, f] = await Promise.all([getTranslations('share'), getFormatter()])
  for (const m of code.matchAll(/const\s+\[([\w\s,]+)\]\s*=\s*await\s+Promise\.all\(\[([^\]]*)\]\)/g)) {
    const names = (m[1] as string).split(',').map((n) => n.trim());
    const calls = (m[2] as string).split(/,(?![^(]*\))/).map((c) => c.trim());
    calls.forEach((c, i) => {
      const ns = /^getTranslations\('([\w.-]+)'\)$/.exec(c)?.[1];
      if (ns && names[i]) namespaces.set(names[i] as string, ns);
    });
  }
  const used: { key: string; prefix: boolean }[] = [];
  for (const m of code.matchAll(/\(await getTranslations\('([\w.-]+)'\)\)\('([^']+)'/g)) {
    used.push({ key: `${m[1]}.${m[2]}`, prefix: false });
  }
  for (const [name, ns] of namespaces) {
    const call = new RegExp(
      `(?<![\\w.])${name}(?:\\.(?:rich|markup|raw|has))?\\(\\s*(?:'([^']+)'|\`([^\`$]*)\\$\\{)`,
      'g',
    );
    for (const m of code.matchAll(call)) {
      if (m[1] !== undefined) used.push({ key: `${ns}.${m[1]}`, prefix: false });
      else used.push({ key: `${ns}.${(m[2] ?? '').replace(/\.$/, '')}`, prefix: true });
    }
  }
  return used;
}

describe('message catalogues', () => {
  it('have the same namespace files in every language, each registered in messages/index.ts', () => {
    const index = readFileSync(join(messagesDir, 'index.ts'), 'utf8');
    const [first, ...rest] = LOCALES.map((locale) =>
      readdirSync(join(messagesDir, locale))
        .filter((f) => f.endsWith('.json'))
        .sort(),
    );
    for (const files of rest) expect(files).toEqual(first);
    for (const locale of LOCALES) {
      for (const file of first ?? []) {
        const ns = file.replace(/\.json$/, '');
        const imported = new RegExp(`import (\\w+) from '\\./${locale}/${ns}\\.json';`).exec(index)?.[1];
        expect(imported, `${locale}/${file} imported`).toBeDefined();
        expect(index, `${locale}/${file} registered as ${ns}`).toMatch(new RegExp(`'?${ns}'?: ${imported},`));
      }
    }
  });

  it('have the same keys in English and Korean', () => {
    const en = leaves(messages.en);
    const ko = leaves(messages.ko);
    expect(
      [...ko.keys()].filter((k) => !en.has(k)),
      'in Korean only',
    ).toEqual([]);
    expect(
      [...en.keys()].filter((k) => !ko.has(k)),
      'in English only',
    ).toEqual([]);
  });

  it('hold ICU messages that parse, with the same arguments in both languages', () => {
    const en = leaves(messages.en);
    const ko = leaves(messages.ko);
    const problems: string[] = [];
    for (const [key, english] of en) {
      const korean = ko.get(key);
      if (korean === undefined) continue;
      try {
        const [a, b] = [argumentNames(english), argumentNames(korean)];
        if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`${key}: en ${a.join(' ')} ≠ ko ${b.join(' ')}`);
      } catch (error) {
        problems.push(`${key}: ${(error as Error).message}`);
      }
      if (korean.trim() === '') problems.push(`${key}: empty in Korean`);
    }
    expect(problems).toEqual([]);
  });

  it('have every key that app/ and components/ ask for', () => {
    const en = leaves(messages.en);
    const missing: string[] = [];
    for (const file of SOURCES) {
      for (const { key, prefix } of usedKeys(readFileSync(file, 'utf8'))) {
        const found = prefix ? [...en.keys()].some((k) => k.startsWith(`${key}.`)) : en.has(key);
        if (!found) missing.push(`${relative(dashboard, file)}: ${key}${prefix ? '.*' : ''}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('leave no English sentence as bare JSX text or a literal accessible name', () => {
    const bare: string[] = [];
    for (const file of SOURCES.filter((f) => f.endsWith('.tsx'))) {
      const source = readFileSync(file, 'utf8');
      for (const text of [...bareTexts(source), ...literalAttributes(source)]) {
        bare.push(`${relative(dashboard, file)}: ${text}`);
      }
    }
    expect(bare).toEqual([]);
  });

  it('leave no English in the text the chart modules draw inside the canvas', () => {
    const drawn = CHART_SOURCES.flatMap((file) =>
      chartTexts(readFileSync(file, 'utf8')).map((text) => `${relative(dashboard, file)}: ${text}`),
    );
    expect(drawn).toEqual([]);
  });
});

describe('the locale a request gets', () => {
  it('takes the NEXT_LOCALE cookie first, then Accept-Language by weight, then English', () => {
    expect(resolveLocale('en', 'ko-KR,ko;q=0.9')).toBe('en');
    expect(resolveLocale(undefined, 'ko-KR,ko;q=0.9,en-US;q=0.8')).toBe('ko');
    expect(resolveLocale(undefined, 'en-US,en;q=0.9,ko;q=0.8')).toBe('en');
    expect(resolveLocale(undefined, 'fr-FR,ko;q=0.5')).toBe('ko');
    expect(resolveLocale(undefined, 'fr-FR,de;q=0.9')).toBe('en');
    expect(resolveLocale(undefined, 'ko;q=0, en;q=0.1')).toBe('en');
    expect(resolveLocale('xx', null)).toBe('en');
    expect(resolveLocale(undefined, 'not a tag!!, ko')).toBe('ko');
  });

  it('orders Accept-Language by q, keeping the header order between equals', () => {
    expect(acceptedLanguages('en;q=0.5, ko-KR, ko;q=0.9, *;q=0.1, ja;q=0')).toEqual(['ko-KR', 'ko', 'en']);
    expect(acceptedLanguages('')).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find English drawn inside a chart, not its keys or expressions', () => {
    const option = [
      "const a = { text: ['larger', 'smaller'], formatter: '{a}' };",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: chart source as text, for the scan to read
      'const b = (p) => `block ${names[p.value[1]]}, epoch ${p.value[0]}`;',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: chart source as text, for the scan to read
      "const c = { text: [t('gradLarger'), ''], name: `${t('lesionMean', { net: `${n.label}` })}<br/>${x}` };",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: chart source as text, for the scan to read
      'const d = { stack: `band-${n}` };',
    ].join('\n');
    expect(chartTexts(option)).toEqual(['block  , epoch', 'larger', 'smaller']);
  });

  it('find a key missing from one language', () => {
    const en = leaves({ a: { b: 'x', c: 'y' } });
    const ko = leaves({ a: { b: 'x' } });
    expect([...en.keys()].filter((k) => !ko.has(k))).toEqual(['a.c']);
  });

  it('tell arguments apart and refuse a broken message', () => {
    expect(icuArguments('{n, plural, one {# run} other {# runs}} in <link>{name}</link>')).toEqual([
      'link:tag',
      'n:plural',
      'name:argument',
    ]);
    expect(argumentNames('{count, number} 개')).not.toEqual(argumentNames('{n, number} 개'));
    expect(argumentNames('{n, plural, one {# run} other {# runs}}')).toEqual(argumentNames('실행 {n, number}개'));
    expect(argumentNames('<b>{n}</b>')).not.toEqual(argumentNames('{n}'));
    expect(() => icuArguments('{n, plural, one {# run}')).toThrow();
  });

  it('see bare English text, a literal aria-label and keys used through t()', () => {
    const source = `const t = useTranslations('sweep');\nreturn <p aria-label="Runs of this sweep">\n  Loading the curves…\n</p>; <b>{t('empty')}</b>; t(\`status.\${s}\`)`;
    expect(bareTexts(source)).toEqual(['Loading the curves…']);
    expect(literalAttributes(source)).toEqual(['aria-label="Runs of this sweep"']);
    expect(usedKeys(source)).toEqual([
      { key: 'sweep.empty', prefix: false },
      { key: 'sweep.status', prefix: true },
    ]);
    expect(bareTexts('const ok = a > b && c < d; <span>ResLab</span>')).toEqual([]);
  });
});
