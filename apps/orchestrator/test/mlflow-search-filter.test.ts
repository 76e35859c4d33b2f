import { describe, expect, it } from 'vitest';
import {
  matchesExperiment,
  matchesRun,
  parseExperimentFilter,
  parseOrderBy,
  parseRunFilter,
  runComparator,
  type SearchableRun,
  SearchSyntaxError,
} from '../src/mlflow/search-filter.js';

function run(id: string, fields: Partial<SearchableRun> & { m?: Record<string, number>; p?: Record<string, string> }) {
  return {
    runId: id,
    runName: fields.runName ?? id,
    status: fields.status ?? 'FINISHED',
    startTime: fields.startTime ?? 0,
    endTime: fields.endTime ?? null,
    metrics: new Map(Object.entries(fields.m ?? {})),
    params: new Map(Object.entries(fields.p ?? {})),
    tags: fields.tags ?? new Map(),
  } satisfies SearchableRun;
}

describe("MLflow's run filter", () => {
  it('parses the common comparisons joined by AND, with MLflow aliases and quoted keys', () => {
    expect(
      parseRunFilter(
        "metrics.val_accuracy > 0.5 and params.optimizer = 'sgd' AND tags.`data set` != \"cifar\" AND attributes.status = 'FINISHED' AND run.run_name LIKE 'resnet%' AND attr.start_time >= 1e3 AND param.\"batch size\" ILIKE '12_'",
      ),
    ).toEqual([
      { entity: 'metric', key: 'val_accuracy', op: '>', value: 0.5 },
      { entity: 'param', key: 'optimizer', op: '=', value: 'sgd' },
      { entity: 'tag', key: 'data set', op: '!=', value: 'cifar' },
      { entity: 'attribute', key: 'status', op: '=', value: 'FINISHED' },
      { entity: 'attribute', key: 'run_name', op: 'LIKE', value: 'resnet%' },
      { entity: 'attribute', key: 'start_time', op: '>=', value: 1000 },
      { entity: 'param', key: 'batch size', op: 'ILIKE', value: '12_' },
    ]);
    expect(parseRunFilter('metrics.loss <= -0.25')).toEqual([
      { entity: 'metric', key: 'loss', op: '<=', value: -0.25 },
    ]);
    expect(parseRunFilter('')).toEqual([]);
    expect(parseRunFilter(undefined)).toEqual([]);
  });

  it.each([
    ['metrics.a > 1 OR metrics.b > 1', 'OR is not supported'],
    ["params.lr IN ('0.1', '0.2')", "'params.lr IN ('0.1', '0.2')': IN and NOT IN take attributes.run_id only"],
    ['metrics.x IS NULL', 'IS NULL and IS NOT NULL test params and tags only'],
    ["attributes.status IN ('FINISHED')", 'IN and NOT IN take attributes.run_id only'],
    ["attributes.run_id IN ('a' 'b')", 'expected a list of quoted run ids'],
    ['attributes.run_id IN ()', 'expected a list of quoted run ids'],
    ["metrics.loss > 'a'", 'compared with a number'],
    ["params.lr > '0.1'", 'compares numbers, not strings'],
    ['params.lr = 0.1', 'quoted string'],
    ["datasets.name = 'x'", "unknown entity 'datasets'"],
    ["attributes.user_id = 'x'", "attribute 'user_id' is not searchable"],
    ['metrics.a > 1 AND', 'ends with AND'],
    ["params.lr = 'unterminated", 'unterminated'],
  ])('refuses %s, naming it', (filter, message) => {
    expect(() => parseRunFilter(filter)).toThrow(SearchSyntaxError);
    expect(() => parseRunFilter(filter)).toThrow(message);
  });

  it('matches as MLflow does: a missing metric, param or tag fails even !=', () => {
    const a = run('a', { m: { acc: 0.9 }, p: { lr: '0.1' }, runName: 'resnet20' });
    const b = run('b', { m: { acc: 0.4 }, p: {}, runName: 'plain20', status: 'FAILED' });
    const pick = (filter: string) => [a, b].filter((r) => matchesRun(r, parseRunFilter(filter))).map((r) => r.runId);
    expect(pick('metrics.acc > 0.5')).toEqual(['a']);
    expect(pick('metrics.acc != 0.9')).toEqual(['b']);
    expect(pick('metrics.missing < 100')).toEqual([]);
    expect(pick("params.lr != '0.2'")).toEqual(['a']);
    expect(pick("attributes.status = 'FAILED'")).toEqual(['b']);
    expect(pick("attributes.run_name LIKE '%20'")).toEqual(['a', 'b']);
    expect(pick("attributes.run_name ILIKE 'RESNET%'")).toEqual(['a']);
    expect(pick("attributes.run_name LIKE 'resnet'")).toEqual([]);
    expect(pick("attributes.run_id = 'b'")).toEqual(['b']);
    expect(pick('params.lr IS NULL')).toEqual(['b']);
    expect(pick('params.lr IS NOT NULL AND metrics.acc > 0')).toEqual(['a']);
    expect(pick("attributes.run_id IN ('b', 'c')")).toEqual(['b']);
    expect(pick("run.run_id NOT IN ('b')")).toEqual(['a']);
  });

  it('parses the null and list tests MLflow 3 adds', () => {
    expect(parseRunFilter("tags.`note` is not null and attr.run_id in ('x','y')")).toEqual([
      { entity: 'presence', of: 'tag', key: 'note', present: true },
      { entity: 'runIds', values: ['x', 'y'], negated: false },
    ]);
  });
});

describe("MLflow's order_by", () => {
  it('parses a name and a direction', () => {
    expect(parseOrderBy('metrics.val_loss DESC')).toEqual({ entity: 'metric', key: 'val_loss', ascending: false });
    expect(parseOrderBy('attributes.start_time')).toEqual({ entity: 'attribute', key: 'start_time', ascending: true });
    expect(parseOrderBy('start_time asc')).toEqual({ entity: 'attribute', key: 'start_time', ascending: true });
    expect(() => parseOrderBy('metrics.a sideways')).toThrow('expected <name> [ASC|DESC]');
    expect(() => parseOrderBy('attributes.user_id')).toThrow('not orderable');
  });

  it('sorts runs without the value last in either direction, then by start_time DESC', () => {
    const runs = [
      run('none', { startTime: 5 }),
      run('low', { m: { acc: 0.1 }, startTime: 1 }),
      run('nan', { m: { acc: Number.NaN }, startTime: 2 }),
      run('high', { m: { acc: 0.9 }, startTime: 3 }),
    ];
    const order = (by: string[]) => [...runs].sort(runComparator(by.map(parseOrderBy))).map((r) => r.runId);
    expect(order(['metrics.acc DESC'])).toEqual(['nan', 'high', 'low', 'none']);
    expect(order(['metrics.acc ASC'])).toEqual(['low', 'high', 'nan', 'none']);
    expect(order([])).toEqual(['none', 'high', 'nan', 'low']);
  });
});

describe("MLflow's experiment filter", () => {
  it('filters by name with = and LIKE, and refuses anything else', () => {
    const names = ['mnist', 'cifar10', 'cifar100'];
    const pick = (filter: string) => names.filter((n) => matchesExperiment(n, parseExperimentFilter(filter)));
    expect(pick("name = 'mnist'")).toEqual(['mnist']);
    expect(pick("name LIKE 'cifar%'")).toEqual(['cifar10', 'cifar100']);
    expect(pick("attributes.name != 'mnist'")).toEqual(['cifar10', 'cifar100']);
    expect(() => parseExperimentFilter("tags.owner = 'me'")).toThrow("'tags.owner = 'me'' is not supported");
    expect(() => parseExperimentFilter('creation_time > 5')).toThrow('is not supported');
  });
});
