import {
  type DepthPoint,
  degradationVerdict,
  describeRecipe,
  finalErrors,
  RUN_STATUSES,
  type SweepDetailDto,
  verdictSentences,
} from '@reslab/contracts';
import { firstItems } from '../api-client.js';
import type { Command } from '../command.js';
import { limitOption, stringOption } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { percent, shortId, table } from '../format.js';
import { mergeSpec, readSweepFile, validateSweep } from '../sweep-file.js';
import { sweepsResolver } from './runs.js';

export const sweepSubmit: Command = {
  noun: 'sweep',
  verb: 'submit',
  usage: '[<file.yaml>] [--template <name>] [--dry-run]',
  summary: 'validate a sweep file (YAML or JSON) and queue its runs',
  optionHelp: [
    '--template <name>  start from a server template (GET /sweeps/templates), e.g. degradation;',
    '                   fields in the file override it, mapping by mapping',
    '--dry-run          expand and validate on the server, store nothing, list the runs',
  ],
  options: { template: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  positionals: { min: 0, max: 1 },
  async run({ api, values, positionals, out }) {
    const file = positionals[0];
    const templateName = stringOption(values, 'template');
    if (file === undefined && templateName === undefined)
      throw new UsageError('sweep submit needs a file or --template');
    let input: Record<string, unknown> = {};
    if (templateName !== undefined) {
      const templates = await api.sweepTemplates();
      const template = templates[templateName];
      if (!template) {
        throw new CliError(`unknown template ${templateName}; the API offers: ${Object.keys(templates).join(', ')}`);
      }
      input = template as Record<string, unknown>;
    }
    if (file !== undefined) input = mergeSpec(input, readSweepFile(file));
    const source = file ?? `template ${templateName}`;
    // The same contract the orchestrator enforces, so a typo fails here, naming the file and field.
    const { spec, runs } = validateSweep(source, input);
    if (values['dry-run']) {
      const preview = await api.previewSweep(spec);
      out(`${source}: ${spec.name}: ${preview.count} runs (dry run, nothing stored)`);
      for (const run of preview.runs) out(`  ${run.name}`);
      return 0;
    }
    const sweep = await api.createSweep(spec);
    out(`sweep ${sweep.id} queued: ${sweep.runs.length} runs (${sweep.name})`);
    if (sweep.runs.length !== runs.length) {
      out(`note: the client expanded ${runs.length} runs, the server ${sweep.runs.length}`);
    }
    return 0;
  },
};

export const sweepExpand: Command = {
  noun: 'sweep',
  verb: 'expand',
  usage: '<file.yaml>',
  summary: 'validate a sweep file offline and print each run as a JSON line (name, params, full config)',
  options: {},
  positionals: { min: 1, max: 1 },
  config: 'ignore',
  // No server: the same contract expansion the orchestrator runs, for scripts that start engines themselves
  // (benchmarks/he2016_cifar10.py reads the paper's recipe from apps/cli/examples this way).
  async run({ positionals, out }) {
    const file = positionals[0] as string;
    const { runs } = validateSweep(file, readSweepFile(file));
    for (const run of runs) out(JSON.stringify(run));
    return 0;
  },
};

function errorCell(final: SweepDetailDto['runs'][number]['final'][keyof SweepDetailDto['runs'][number]['final']]) {
  return final ? percent(1 - final.accuracy) : '-';
}

/**
 * Seeds aggregated per net as mean ± std (the sweep page's table): final-epoch train error, and the test error
 * of the final weights, measured once. Null when no net has more than one run to aggregate.
 */
function bySeed(sweep: SweepDetailDto): string | null {
  const { split, train, rows } = finalErrors(sweep.runs);
  if (!train.some((p) => p.n > 1)) return null;
  const cell = (p: DepthPoint | undefined) => (p ? `${p.mean.toFixed(2)}% ± ${p.std.toFixed(2)}` : '-');
  const first = sweep.runs[0];
  const verdict = degradationVerdict(train);
  return [
    first ? `recipe: ${describeRecipe(first.config)}` : '',
    table(
      [
        { header: 'NET' },
        { header: 'RUNS', align: 'right' },
        { header: 'TRAIN ERR (mean ± std)', align: 'right' },
        { header: `${split.toUpperCase()} ERR (mean ± std)`, align: 'right' },
      ],
      rows.map(({ train: p, held }) => [`${p.arch}${p.depth}`, String(p.n), cell(p), cell(held)]),
    ),
    ...(verdict ? verdictSentences(verdict, train) : []),
  ]
    .filter(Boolean)
    .join('\n');
}

export const sweepShow: Command = {
  noun: 'sweep',
  verb: 'show',
  usage: '<id>',
  summary: 'status counts, and each run with its final error rates',
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ api, positionals, out }) {
    const id = await sweepsResolver(api)(positionals[0] as string);
    const sweep = await api.getSweep(id);
    out(`sweep ${sweep.id}  ${sweep.name}  (created ${sweep.createdAt})`);
    out(RUN_STATUSES.map((status) => `${status} ${sweep.counts[status] ?? 0}`).join('  '));
    out('');
    // Error = 1 - accuracy at the last epoch stored: the quantity He et al. 2016 plot against depth (Fig. 6).
    out(
      table(
        [
          { header: 'RUN' },
          { header: 'NAME' },
          { header: 'STATUS' },
          { header: 'EPOCH', align: 'right' },
          { header: 'TRAIN ERR', align: 'right' },
          { header: 'VAL ERR', align: 'right' },
          { header: 'TEST ERR', align: 'right' },
          { header: 'VAL F1', align: 'right' },
        ],
        sweep.runs.map((run) => [
          shortId(run.id),
          run.name ?? '-',
          run.status,
          String(run.final.train?.epoch ?? '-'),
          errorCell(run.final.train),
          errorCell(run.final.val),
          errorCell(run.final.test),
          run.final.val ? run.final.val.f1.toFixed(4) : '-',
        ]),
      ),
    );
    const seedTable = bySeed(sweep);
    if (seedTable) {
      out('');
      out(seedTable);
    }
    const failed = sweep.runs.filter((run) => run.failureReason && run.status !== 'succeeded');
    if (failed.length) {
      out('');
      for (const run of failed) out(`${shortId(run.id)} ${run.name ?? ''}: ${run.status}: ${run.failureReason}`);
    }
    return 0;
  },
};

export const sweepLs: Command = {
  noun: 'sweep',
  verb: 'ls',
  usage: '[--limit <n>] [--json]',
  summary: 'list sweeps, newest first: id prefix, name, created, runs by status',
  optionHelp: [
    '--limit <n>  list at most n sweeps (default 100), fetched a page at a time',
    '--json       print the sweeps as a JSON array of SweepDto',
  ],
  options: { limit: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ api, values, out, note }) {
    const limit = limitOption(values, 100);
    const { items: sweeps, more } = await firstItems(limit, (page) => api.listSweeps(page));
    if (more) note(`showing the newest ${sweeps.length} sweeps; a larger --limit lists more`);
    if (values.json) {
      out(JSON.stringify(sweeps, null, 2));
      return 0;
    }
    out(
      table(
        [
          { header: 'ID' },
          { header: 'NAME' },
          { header: 'CREATED' },
          ...RUN_STATUSES.map((s) => ({ header: s.toUpperCase(), align: 'right' as const })),
        ],
        sweeps.map((sweep) => [
          shortId(sweep.id),
          sweep.name,
          sweep.createdAt,
          ...RUN_STATUSES.map((status) => String(sweep.counts[status] ?? 0)),
        ]),
      ),
    );
    return 0;
  },
};
