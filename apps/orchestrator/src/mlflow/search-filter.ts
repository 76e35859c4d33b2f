/**
 * MLflow's search grammar (mlflow/utils/search_utils.py, SearchUtils): `filter_string` is comparisons joined by
 * AND, `order_by` is `<identifier> [ASC|DESC]`. What ResLab answers is the common part of it; anything else is
 * refused with a SearchSyntaxError that quotes the clause, never skipped, since a dropped clause would return
 * runs the script asked to exclude.
 *
 * Entity names and their aliases are MLflow's: metric(s), param(s)/parameter(s), tag(s), attribute(s)/attr/run.
 * A key may be bare (`metrics.val_loss`), or quoted with backticks or double quotes (`params."batch size"`).
 */

export class SearchSyntaxError extends Error {}

export type NumericOp = '=' | '!=' | '>' | '>=' | '<' | '<=';
export type StringOp = '=' | '!=' | 'LIKE' | 'ILIKE';

const NUMERIC_OPS: ReadonlySet<string> = new Set(['=', '!=', '>', '>=', '<', '<=']);
const STRING_OPS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE']);

export type RunAttribute = 'status' | 'run_name' | 'run_id' | 'start_time' | 'end_time';
const STRING_ATTRIBUTES: ReadonlySet<string> = new Set(['status', 'run_name', 'run_id']);
const NUMERIC_ATTRIBUTES: ReadonlySet<string> = new Set(['start_time', 'end_time']);

export type RunClause =
  | { entity: 'metric'; key: string; op: NumericOp; value: number }
  | { entity: 'param' | 'tag'; key: string; op: StringOp; value: string }
  /** `params.k IS NULL` / `IS NOT NULL` (MLflow 3): whether the run logged the param or tag at all. */
  | { entity: 'presence'; of: 'param' | 'tag'; key: string; present: boolean }
  /** `attributes.run_id IN (...)` / `NOT IN`: the one list MLflow allows (SearchUtils.LIST_SUPPORTED_KEYS). */
  | { entity: 'runIds'; values: string[]; negated: boolean }
  | { entity: 'attribute'; key: 'status' | 'run_name' | 'run_id'; op: StringOp; value: string }
  | { entity: 'attribute'; key: 'start_time' | 'end_time'; op: NumericOp; value: number };

export interface RunOrder {
  entity: 'metric' | 'param' | 'tag' | 'attribute';
  key: string;
  ascending: boolean;
}

/** What a run offers to a filter or an order: its latest metric values (MLflow's latest_metrics), params, tags. */
export interface SearchableRun {
  runId: string;
  runName: string;
  /** MLflow's status name: RUNNING, FINISHED, FAILED, KILLED. */
  status: string;
  startTime: number;
  endTime: number | null;
  metrics: ReadonlyMap<string, number>;
  params: ReadonlyMap<string, string>;
  tags: ReadonlyMap<string, string>;
}

type Token =
  | { type: 'word'; text: string; start: number; end: number }
  | { type: 'string'; text: string; start: number; end: number }
  | { type: 'number'; value: number; start: number; end: number }
  | { type: 'op'; text: string; start: number; end: number }
  | { type: 'punct'; text: string; start: number; end: number };

// A word runs up to whitespace, an operator or a quote: `metrics.val_loss`, `params.lr`, `AND`, and the
// entity half of a quoted key (`params.` before "batch size").
const WORD = /[A-Za-z_][\w.\-/:]*/y;
const NUMBER = /[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(?![\w.])/y;
const OPERATOR = /(>=|<=|!=|<>|=|>|<)/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (pattern: RegExp) => {
    pattern.lastIndex = i;
    return pattern.exec(text);
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw new SearchSyntaxError(`unterminated ${c} quote at character ${i + 1} of '${text}'`);
      const quoted = text.slice(i + 1, close);
      // A backticked or double-quoted name glued to the word before it (`tags.`"a b"`) is that word's key.
      const previous = tokens.at(-1);
      if (c !== "'" && previous?.type === 'word' && previous.text.endsWith('.') && previous.end === i) {
        previous.text += quoted;
        previous.end = close + 1;
      } else {
        tokens.push({ type: c === '`' ? 'word' : 'string', text: quoted, start: i, end: close + 1 });
      }
      i = close + 1;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: 'punct', text: c, start: i, end: i + 1 });
      i += 1;
      continue;
    }
    const op = at(OPERATOR);
    if (op) {
      tokens.push({ type: 'op', text: op[0] === '<>' ? '!=' : op[0], start: i, end: i + op[0].length });
      i += op[0].length;
      continue;
    }
    const number = at(NUMBER);
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]), start: i, end: i + number[0].length });
      i += number[0].length;
      continue;
    }
    const word = at(WORD);
    if (word) {
      tokens.push({ type: 'word', text: word[0], start: i, end: i + word[0].length });
      i += word[0].length;
      continue;
    }
    throw new SearchSyntaxError(`unexpected '${c}' at character ${i + 1} of '${text}'`);
  }
  return tokens;
}

const ENTITY_ALIASES: Record<string, RunOrder['entity']> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

/** `metrics.val_loss` -> metric `val_loss`. A name with no entity is an attribute, as in MLflow's order_by. */
function identifier(word: string, clause: string): { entity: RunOrder['entity']; key: string } {
  const dot = word.indexOf('.');
  if (dot < 0) return { entity: 'attribute', key: word };
  const entity = ENTITY_ALIASES[word.slice(0, dot).toLowerCase()];
  const key = word.slice(dot + 1);
  if (!entity) {
    throw new SearchSyntaxError(
      `'${clause}': unknown entity '${word.slice(0, dot)}' (metrics, params, tags or attributes)`,
    );
  }
  if (!key) throw new SearchSyntaxError(`'${clause}': '${word}' names no key`);
  return { entity, key };
}

function keyword(token: Token | undefined, word: string): boolean {
  return token?.type === 'word' && token.text.toUpperCase() === word;
}

/** Splits a filter at its ANDs: each clause's tokens and its text as written, for the messages that quote it. */
function splitClauses(text: string | undefined): { tokens: Token[]; source: string }[] {
  if (!text?.trim()) return [];
  const tokens = tokenize(text);
  const clauses: { tokens: Token[]; source: string }[] = [];
  let i = 0;
  while (i < tokens.length) {
    let j = i;
    while (j < tokens.length && !keyword(tokens[j], 'AND')) j += 1;
    if (j === i) throw new SearchSyntaxError(`'${text}': AND with nothing before it`);
    const source = text.slice((tokens[i] as Token).start, (tokens[j - 1] as Token).end);
    const clause = tokens.slice(i, j);
    if (clause.some((t) => keyword(t, 'OR'))) {
      throw new SearchSyntaxError(`'${source}': OR is not supported (MLflow's filter joins clauses with AND only)`);
    }
    clauses.push({ tokens: clause, source });
    i = j + 1;
    if (j < tokens.length && i >= tokens.length) throw new SearchSyntaxError(`'${text}' ends with AND`);
  }
  return clauses;
}

/** Parses MLflow's `filter_string` for runs into clauses that must all hold; an empty filter is no clause. */
export function parseRunFilter(text: string | undefined): RunClause[] {
  return splitClauses(text).map(({ tokens, source }) => parseClause(tokens, source));
}

/** `<name> <op> <value>`, or null when the clause has another form. */
function comparison(tokens: Token[]): { name: string; operator: string; value: Token } | null {
  const [left, op, right, ...rest] = tokens;
  if (left?.type !== 'word' || !right || rest.length) return null;
  if (op?.type === 'op') return { name: left.text, operator: op.text, value: right };
  if (keyword(op, 'LIKE') || keyword(op, 'ILIKE')) {
    return { name: left.text, operator: (op as { text: string }).text.toUpperCase(), value: right };
  }
  return null;
}

/** `<param or tag> IS [NOT] NULL`, or null when the clause has another form. */
function nullTest(tokens: Token[], source: string): RunClause | null {
  const [left, is, not, last, ...rest] = tokens;
  const negated = keyword(not, 'NOT');
  if (left?.type !== 'word' || !keyword(is, 'IS') || !keyword(negated ? last : not, 'NULL')) return null;
  if (negated ? rest.length : last) return null;
  const { entity, key } = identifier(left.text, source);
  if (entity !== 'param' && entity !== 'tag') {
    throw new SearchSyntaxError(`'${source}': IS NULL and IS NOT NULL test params and tags only`);
  }
  return { entity: 'presence', of: entity, key, present: negated };
}

/** `attributes.run_id [NOT] IN ('a', 'b')`, or null when the clause has another form. */
function listTest(tokens: Token[], source: string): RunClause | null {
  const [left, first, ...rest] = tokens;
  const negated = keyword(first, 'NOT');
  const list = negated ? rest.slice(1) : rest;
  if (left?.type !== 'word' || !keyword(negated ? rest[0] : first, 'IN')) return null;
  const { entity, key } = identifier(left.text, source);
  if (entity !== 'attribute' || key !== 'run_id') {
    throw new SearchSyntaxError(`'${source}': IN and NOT IN take attributes.run_id only, as in MLflow`);
  }
  const values: string[] = [];
  const shape = `'${source}': expected a list of quoted run ids, ('a', 'b')`;
  if (list[0]?.type !== 'punct' || list[0].text !== '(' || list.at(-1)?.type !== 'punct')
    throw new SearchSyntaxError(shape);
  for (let i = 1; i < list.length - 1; i += 2) {
    const value = list[i];
    const separator = list[i + 1];
    if (value?.type !== 'string') throw new SearchSyntaxError(shape);
    values.push(value.text);
    const closes = i + 1 === list.length - 1;
    if (separator?.type !== 'punct' || separator.text !== (closes ? ')' : ',')) throw new SearchSyntaxError(shape);
  }
  if (!values.length) throw new SearchSyntaxError(shape);
  return { entity: 'runIds', values, negated };
}

function parseClause(tokens: Token[], source: string): RunClause {
  const special = nullTest(tokens, source) ?? listTest(tokens, source);
  if (special) return special;
  const parsed = comparison(tokens);
  if (!parsed) {
    throw new SearchSyntaxError(
      `'${source}' is not supported: ResLab answers <name> <op> <value> clauses joined by AND, with =, !=, <, <=, >, >= for metrics and times, =, !=, LIKE, ILIKE for params, tags, status, run_name and run_id, IS [NOT] NULL for params and tags, and [NOT] IN for run_id`,
    );
  }
  const { operator, value: right } = parsed;
  const { entity, key } = identifier(parsed.name, source);
  if (entity === 'metric' || (entity === 'attribute' && NUMERIC_ATTRIBUTES.has(key))) {
    if (!NUMERIC_OPS.has(operator))
      throw new SearchSyntaxError(`'${source}': ${operator} compares strings, not numbers`);
    if (right.type !== 'number') throw new SearchSyntaxError(`'${source}': ${key} is compared with a number`);
    if (entity === 'metric') return { entity, key, op: operator as NumericOp, value: right.value };
    return { entity, key: key as 'start_time' | 'end_time', op: operator as NumericOp, value: right.value };
  }
  if (!STRING_OPS.has(operator)) throw new SearchSyntaxError(`'${source}': ${operator} compares numbers, not strings`);
  if (right.type !== 'string') throw new SearchSyntaxError(`'${source}': the value is a quoted string ('...')`);
  if (entity === 'attribute') {
    if (!STRING_ATTRIBUTES.has(key)) {
      throw new SearchSyntaxError(
        `'${source}': attribute '${key}' is not searchable here (status, run_name, run_id, start_time, end_time)`,
      );
    }
    return { entity, key: key as 'status' | 'run_name' | 'run_id', op: operator as StringOp, value: right.text };
  }
  return { entity, key, op: operator as StringOp, value: right.text };
}

const ORDERABLE_ATTRIBUTES: ReadonlySet<string> = new Set(['start_time', 'end_time', 'run_name', 'status', 'run_id']);

/** One `order_by` entry: `metrics.val_loss DESC`, `attributes.start_time`, `params.lr ASC`. */
export function parseOrderBy(text: string): RunOrder {
  const tokens = tokenize(text);
  const [name, direction, ...rest] = tokens;
  const ascending = !direction || keyword(direction, 'ASC');
  if (name?.type !== 'word' || rest.length || (direction && !ascending && !keyword(direction, 'DESC'))) {
    throw new SearchSyntaxError(`order_by '${text}': expected <name> [ASC|DESC]`);
  }
  const { entity, key } = identifier(name.text, text);
  if (entity === 'attribute' && !ORDERABLE_ATTRIBUTES.has(key)) {
    throw new SearchSyntaxError(
      `order_by '${text}': attribute '${key}' is not orderable (start_time, end_time, run_name, status, run_id)`,
    );
  }
  return { entity, key, ascending };
}

/** SQL's LIKE: `%` any run of characters, `_` one character; ILIKE ignores case. */
function like(value: string, pattern: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.*+?^${}()|[\]\\%_]/g, (c) => (c === '%' ? '.*' : c === '_' ? '.' : `\\${c}`));
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function compareNumbers(left: number, op: NumericOp, right: number): boolean {
  switch (op) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
  }
}

function compareStrings(left: string, op: StringOp, right: string): boolean {
  switch (op) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case 'LIKE':
      return like(left, right, false);
    case 'ILIKE':
      return like(left, right, true);
  }
}

/**
 * Whether `run` passes every clause. As in MLflow's SQL store, a clause on a metric, param or tag the run does
 * not have is false, `!=` included: `params.lr != '0.1'` finds runs that logged another lr.
 */
export function matchesRun(run: SearchableRun, clauses: readonly RunClause[]): boolean {
  return clauses.every((clause) => holds(run, clause));
}

function holds(run: SearchableRun, clause: RunClause): boolean {
  switch (clause.entity) {
    case 'metric': {
      const value = run.metrics.get(clause.key);
      return value !== undefined && compareNumbers(value, clause.op, clause.value);
    }
    case 'param':
    case 'tag': {
      const value = (clause.entity === 'param' ? run.params : run.tags).get(clause.key);
      return value !== undefined && compareStrings(value, clause.op, clause.value);
    }
    case 'presence':
      return (clause.of === 'param' ? run.params : run.tags).has(clause.key) === clause.present;
    case 'runIds':
      return clause.values.includes(run.runId) !== clause.negated;
    case 'attribute': {
      if (clause.key === 'start_time' || clause.key === 'end_time') {
        const value = clause.key === 'start_time' ? run.startTime : run.endTime;
        return value !== null && compareNumbers(value, clause.op, clause.value);
      }
      const { key, op, value } = clause as Extract<RunClause, { key: 'status' | 'run_name' | 'run_id' }>;
      return compareStrings(key === 'status' ? run.status : key === 'run_name' ? run.runName : run.runId, op, value);
    }
  }
}

function orderValue(run: SearchableRun, order: RunOrder): number | string | undefined {
  switch (order.entity) {
    case 'metric':
      return run.metrics.get(order.key);
    case 'param':
      return run.params.get(order.key);
    case 'tag':
      return run.tags.get(order.key);
    case 'attribute':
      switch (order.key) {
        case 'start_time':
          return run.startTime;
        case 'end_time':
          return run.endTime ?? undefined;
        case 'run_name':
          return run.runName;
        case 'status':
          return run.status;
        default:
          return run.runId;
      }
  }
}

/**
 * A comparator for `orders`, then MLflow's natural order (start_time DESC, run_id). A run without the value
 * sorts last in either direction, as MLflow's SQL store does; NaN sorts after every number.
 */
export function runComparator(orders: readonly RunOrder[]): (a: SearchableRun, b: SearchableRun) => number {
  const all: RunOrder[] = [
    ...orders,
    { entity: 'attribute', key: 'start_time', ascending: false },
    { entity: 'attribute', key: 'run_id', ascending: true },
  ];
  return (a, b) => {
    for (const order of all) {
      const x = orderValue(a, order);
      const y = orderValue(b, order);
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      let c: number;
      if (typeof x === 'number' && typeof y === 'number') {
        if (Number.isNaN(x) || Number.isNaN(y)) c = Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
        else c = x < y ? -1 : 1;
      } else {
        c = String(x) < String(y) ? -1 : 1;
      }
      if (c !== 0) return order.ascending ? c : -c;
    }
    return 0;
  };
}

/** experiments/search's filter: clauses on the experiment's name, joined by AND (`name = 'x'`, `name LIKE 'x%'`). */
export type ExperimentClause = { key: 'name'; op: StringOp; value: string };

export function parseExperimentFilter(text: string | undefined): ExperimentClause[] {
  return splitClauses(text).map(({ tokens, source }) => {
    const parsed = comparison(tokens);
    const name = parsed && identifier(parsed.name, source);
    if (!parsed || name?.entity !== 'attribute' || name.key !== 'name' || !STRING_OPS.has(parsed.operator)) {
      throw new SearchSyntaxError(
        `'${source}' is not supported: experiments are searched by name = / != / LIKE / ILIKE '...'`,
      );
    }
    if (parsed.value.type !== 'string')
      throw new SearchSyntaxError(`'${source}': the value is a quoted string ('...')`);
    return { key: 'name', op: parsed.operator as StringOp, value: parsed.value.text };
  });
}

export function matchesExperiment(name: string, clauses: readonly ExperimentClause[]): boolean {
  return clauses.every((clause) => compareStrings(name, clause.op, clause.value));
}
