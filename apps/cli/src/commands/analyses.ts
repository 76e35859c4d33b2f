import { ANALYSIS_KINDS, type AnalysisDetailDto, AnalysisKind, AnalysisSpec, fieldIssues } from '@reslab/contracts';
import type { ResLabApi } from '../api-client.js';
import type { Command, OptionValues } from '../command.js';
import { UsageError } from '../errors.js';
import { shortId, table } from '../format.js';
import { runsResolver } from './runs.js';

const POLL_MS = 2000;
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** `--set key=value` pairs as params: numbers where they parse as numbers, else strings; the contract checks them. */
export function paramsFrom(values: OptionValues): Record<string, string | number> {
  const given = values.set;
  const pairs = (Array.isArray(given) ? given : given === undefined ? [] : [given]).map(String);
  const params: Record<string, string | number> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(pair);
    if (!match) throw new UsageError(`--set ${pair}: expected key=value, e.g. --set resolution=21`);
    const [, key, raw] = match as unknown as [string, string, string];
    params[key] = raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return params;
}

function progress(analysis: AnalysisDetailDto): string {
  const done = analysis.jobs.reduce((sum, j) => sum + j.done, 0);
  const units = analysis.jobs.reduce((sum, j) => sum + (j.units ?? 0), 0);
  return units ? `${done}/${units} units` : 'waiting for a worker';
}

/** The figures a person reads first, per kind; `analyses show --json` prints every part. */
export function headline(analysis: AnalysisDetailDto): string[] {
  const lines: string[] = [];
  for (const { data } of analysis.parts) {
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    if (data.section === 'lesion.baseline') lines.push(`baseline error ${pct(data.error)} on ${data.images} images`);
    if (data.section === 'lesion.block')
      lines.push(`delete ${data.block.padEnd(10)} error ${pct(data.error)}${data.reshapes ? '  (reshapes)' : ''}`);
    if (data.section === 'lesion.k') lines.push(`delete ${data.k} blocks: error ${pct(data.mean)} ± ${pct(data.std)}`);
    if (data.section === 'lesion.paths')
      lines.push(
        `effective paths: lengths ${data.effectiveRange.from}-${data.effectiveRange.to} of ${data.blocks} carry ${pct(data.effectiveRange.mass)} of the gradient`,
      );
    if (data.section === 'landscape.setup')
      lines.push(`loss at the trained weights ${data.centerLoss.toFixed(4)} nats`);
    if (data.section === 'curvature.estimate') {
      const ci = (c: [number, number]) => `[${c[0].toPrecision(4)}, ${c[1].toPrecision(4)}]`;
      lines.push(`top Hessian eigenvalue ${data.topEigenvalue.toPrecision(4)} (95% ${ci(data.topEigenvalueCi)})`);
      lines.push(`Hessian trace ${data.trace.toPrecision(4)} (95% ${ci(data.traceCi)})`);
    }
    if (data.section === 'cost.model')
      lines.push(
        `${data.role} ${data.name}: ${data.totalParams.toLocaleString('en')} params, ${(data.totalMacs / 1e6).toFixed(1)}M MACs`,
      );
  }
  const points = analysis.parts.flatMap(({ data }) => (data.section === 'landscape.points' ? data.points : []));
  if (points.length) {
    const losses = points.map((p) => p.loss).filter((l): l is number => l !== null);
    lines.push(
      `${points.length} grid points, loss ${Math.min(...losses).toFixed(3)}-${Math.max(...losses).toFixed(3)} nats`,
    );
  }
  return lines;
}

async function waitUntilDone(api: ResLabApi, id: string, note: (line: string) => void): Promise<AnalysisDetailDto> {
  let last = '';
  for (;;) {
    const analysis = await api.analysis(id);
    const line = `${analysis.status}: ${progress(analysis)}`;
    if (line !== last) note(line);
    last = line;
    if (TERMINAL.has(analysis.status)) return analysis;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export const analyze: Command = {
  noun: 'analyze',
  verb: '',
  usage: `<run> --kind ${ANALYSIS_KINDS.join('|')} [--set key=value ...] [--wait]`,
  summary: 'analyse a finished run: lesion study, loss landscape, curvature or cost (parameters and MACs)',
  optionHelp: [
    `--kind <k>         ${ANALYSIS_KINDS.join(', ')}`,
    '--set key=value    a parameter of the kind, repeatable, e.g. --set resolution=21 --set chunks=4',
    '--wait             wait until it ends, then print what it found (exit 1 if it failed)',
  ],
  options: { kind: { type: 'string' }, set: { type: 'string', multiple: true }, wait: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run({ api, values, positionals, out, note }) {
    const kind = AnalysisKind.safeParse(values.kind);
    if (!kind.success) throw new UsageError(`--kind: expected one of ${ANALYSIS_KINDS.join(', ')}`);
    const spec = AnalysisSpec.safeParse({ kind: kind.data, params: paramsFrom(values) });
    if (!spec.success) {
      const issue = fieldIssues(spec.error)[0];
      throw new UsageError(`--set ${issue?.path.replace(/^params\./, '')}: ${issue?.message}`);
    }
    const runId = await runsResolver(api)(positionals[0] as string);
    const analysis = await api.createAnalysis(runId, spec.data);
    out(
      `analysis ${analysis.id}: ${analysis.kind} of run ${shortId(runId)}, ${analysis.chunks} job(s), ${analysis.status}`,
    );
    if (!values.wait) return 0;
    const done = await waitUntilDone(api, analysis.id, note);
    for (const line of headline(done)) out(line);
    if (done.status !== 'succeeded') {
      for (const job of done.jobs.filter((j) => j.failureReason)) out(`chunk ${job.chunk}: ${job.failureReason}`);
    }
    return done.status === 'succeeded' ? 0 : 1;
  },
};

export const analysesLs: Command = {
  noun: 'analyses',
  verb: 'ls',
  usage: '<run>',
  summary: "list a run's analyses: id, kind, status, progress",
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ api, positionals, out }) {
    const { items } = await api.runAnalyses(await runsResolver(api)(positionals[0] as string));
    out(
      table(
        [
          { header: 'ID' },
          { header: 'KIND' },
          { header: 'STATUS' },
          { header: 'JOBS', align: 'right' },
          { header: 'PROGRESS' },
        ],
        items.map((a) => [a.id, a.kind, a.status, String(a.chunks), progress(a)]),
      ),
    );
    return 0;
  },
};

export const analysesShow: Command = {
  noun: 'analyses',
  verb: 'show',
  usage: '<analysis-id> [--json]',
  summary: 'what an analysis found (--json: every part, as GET /analyses/:id)',
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run({ api, values, positionals, out }) {
    const analysis = await api.analysis(positionals[0] as string);
    if (values.json) {
      out(JSON.stringify(analysis, null, 2));
      return 0;
    }
    out(`${analysis.kind} of run ${analysis.runId}: ${analysis.status}, ${progress(analysis)}`);
    for (const line of headline(analysis)) out(line);
    return 0;
  },
};

export const analysesCancel: Command = {
  noun: 'analyses',
  verb: 'cancel',
  usage: '<analysis-id>',
  summary: 'cancel an analysis: its queued jobs at once, running ones between two units',
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ api, positionals, out }) {
    const analysis = await api.cancelAnalysis(positionals[0] as string);
    out(`analysis ${analysis.id}: ${analysis.status}`);
    return 0;
  },
};
