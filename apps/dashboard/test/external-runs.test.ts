import type { EpochMetricDto, ExternalRunDto, MetricSummary, RunEventMessage } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { confusionOption } from '../lib/chart-options.js';
import { classLabel, classLabels } from '../lib/class-names.js';
import { historyOption, listedMetrics, movedKeys, plotted, sharedKeys, valueText } from '../lib/external-runs.js';
import { applyExternalRunEvent, externalFromSnapshot, externalWithConfusions } from '../lib/stream-fold.js';
import { chartWords } from './chart-words.js';

const summary = (key: string, count = 1, value: MetricSummary['last']['value'] = 1, step = count): MetricSummary => ({
  key,
  count,
  last: { step, timestamp: 1_700_000_000_000 + step, value },
});

describe('class names', () => {
  it('names a class where the run has names and numbers it where it has none or too few', () => {
    expect(classLabel(['T-shirt/top', 'Trouser'], 1)).toBe('Trouser');
    expect(classLabel(null, 1)).toBe('1');
    expect(classLabels(['cat', 'dog'], 3)).toEqual(['cat', 'dog', '2']);
  });

  it('puts the names on both axes of the confusion matrix and in its tooltip', () => {
    const option = confusionOption(
      chartWords('en'),
      [
        [5, 1],
        [2, 7],
      ],
      ['Sandal', 'Sneaker'],
    ) as {
      xAxis: { data: string[] };
      yAxis: { data: string[] };
      tooltip: { formatter: (p: { value: number[] }) => string };
    };
    expect(option.xAxis.data).toEqual(['Sandal', 'Sneaker']);
    expect(option.yAxis.data).toEqual(['Sandal', 'Sneaker']);
    expect(option.tooltip.formatter({ value: [0, 1, 2] })).toContain('true Sneaker, predicted Sandal: 2');
    const numbered = confusionOption(chartWords('en'), [[1]]) as { xAxis: { data: string[] } };
    expect(numbered.xAxis.data).toEqual(['0']);
  });
});

describe('external runs', () => {
  it('draws NaN and infinities as gaps, and names them as MLflow writes them', () => {
    expect([plotted(0.5), plotted('NaN'), plotted('Infinity'), plotted('-Infinity')]).toEqual([0.5, '-', '-', '-']);
    expect(valueText('NaN')).toBe('NaN');
    expect(valueText(0.123456789)).toBe('0.12346');
  });

  it('charts one key against step, a point per logged value, the gap where the loss diverged', () => {
    const points = [
      { step: 0, timestamp: 1000, value: 2.3 },
      { step: 1, timestamp: 2000, value: 'NaN' as const },
      { step: 2, timestamp: 3000, value: 1.1 },
    ];
    const option = historyOption('loss', [{ name: 'loss', points }]) as {
      series: { data: unknown[][]; connectNulls: boolean }[];
      xAxis: { name: string };
      tooltip: { formatter: (p: unknown) => string };
    };
    expect(option.xAxis.name).toBe('step');
    expect(option.series).toHaveLength(1);
    expect(option.series[0]?.connectNulls).toBe(false);
    expect(option.series[0]?.data.map((d) => d[1])).toEqual([2.3, '-', 1.1]);
    const tip = option.tooltip.formatter([{ seriesName: 'loss', value: option.series[0]?.data[1] }]);
    expect(tip).toContain('loss = NaN');
    expect(tip).toContain('step 1');
    expect(tip).toContain('1970-01-01T00:00:02.000Z');
  });

  it('draws one line per run on a compared key', () => {
    const line = (name: string) => ({ name, points: [{ step: 1, timestamp: 1, value: 1 }] });
    const option = historyOption('acc', [line('a'), line('b'), line('c')]) as { series: { name: string }[] };
    expect(option.series.map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('compares only the keys every picked run logged', () => {
    const a = { metrics: [summary('loss'), summary('acc'), summary('lr')] };
    const b = { metrics: [summary('acc'), summary('loss')] };
    const c = { metrics: [summary('loss'), summary('val/acc')] };
    expect(sharedKeys([a, b])).toEqual(['acc', 'loss']);
    expect(sharedKeys([a, b, c])).toEqual(['loss']);
    expect(sharedKeys([])).toEqual([]);
  });

  it('lists the first keys alphabetically, as many as the list shows', () => {
    const run = { metrics: [summary('z'), summary('b'), summary('a'), summary('c')] };
    expect(listedMetrics(run).map((m) => m.key)).toEqual(['a', 'b', 'c']);
  });

  it('reads again only the histories whose key moved or is new', () => {
    const before = [summary('loss', 3), summary('acc', 3), summary('lr', 1, 0.1)];
    const after = [summary('loss', 4), summary('acc', 3), summary('lr', 1, 0.05), summary('f1', 1)];
    expect(movedKeys(before, after)).toEqual(['loss', 'lr', 'f1']);
    expect(movedKeys(after, after)).toEqual([]);
  });
});

describe('the external run page fold, over its room', () => {
  const runId = '3f2b1c0d-8d1a-4c2b-9e7f-1a2b3c4d5e6f';
  const run = { id: runId, status: 'running', metrics: [] } as unknown as ExternalRunDto;
  const perClass = [{ precision: 1, recall: 1, f1: 1, support: 2 }];
  const epochEvent = (id: string, epoch: number, split: 'train' | 'val' = 'val'): RunEventMessage => ({
    id,
    runId,
    sweepId: null,
    analysisId: null,
    type: 'epoch_metric',
    payload: {
      epoch,
      split,
      loss: 1,
      accuracy: 1,
      precision: 1,
      recall: 1,
      f1: 1,
      perClass,
      lr: 0,
      seconds: 0,
      hasConfusion: true,
    },
    time: new Date().toISOString(),
  });
  const statusEvent = (id: string, status: string): RunEventMessage =>
    ({
      id,
      runId,
      sweepId: null,
      analysisId: null,
      type: 'status',
      payload: { status, attempt: 0 },
      time: new Date().toISOString(),
    }) as RunEventMessage;
  const start = externalFromSnapshot({ run, metrics: [], lastEventId: '10' });

  it('adds epochs after the snapshot, once each, in (epoch, split) order, and marks their matrices for fetching', () => {
    const folded = [
      epochEvent('9', 1),
      epochEvent('12', 2, 'train'),
      epochEvent('11', 1),
      epochEvent('12', 2, 'train'),
    ].reduce(applyExternalRunEvent, start);
    expect(folded.epochs.map((m) => `${m.epoch}:${m.split}`)).toEqual(['1:val', '2:train']);
    expect(folded.confusionToFetch).toEqual(['1:val', '2:train']);
    const filled = externalWithConfusions(folded, [{ ...folded.epochs[0], confusion: [[2]] } as EpochMetricDto]);
    expect(filled.epochs[0]?.confusion).toEqual([[2]]);
    expect(filled.confusionToFetch).toEqual(['2:train']);
  });

  it('ends the run on a later status event, and ignores an older one and a status an external run cannot have', () => {
    const ended = applyExternalRunEvent(start, statusEvent('20', 'succeeded'));
    expect(ended.run.status).toBe('succeeded');
    expect(applyExternalRunEvent(ended, statusEvent('15', 'running')).run.status).toBe('succeeded');
    expect(applyExternalRunEvent(start, statusEvent('21', 'queued')).run.status).toBe('running');
  });

  it('clears the end time of a resumed run, and gives an end without one the time the orchestrator logged it', () => {
    const ended = externalFromSnapshot({
      run: { ...run, status: 'succeeded', finishedAt: '2026-01-01T00:00:00.000Z' },
      metrics: [],
      lastEventId: '10',
    });
    const resumed = applyExternalRunEvent(ended, statusEvent('11', 'running'));
    expect([resumed.run.status, resumed.run.finishedAt]).toEqual(['running', null]);
    const again = applyExternalRunEvent(resumed, { ...statusEvent('12', 'failed'), time: '2026-01-02T00:00:00.000Z' });
    expect([again.run.status, again.run.finishedAt]).toEqual(['failed', '2026-01-02T00:00:00.000Z']);
    // An end overwriting an end keeps the stored end time until the run is read again.
    const overwritten = applyExternalRunEvent(ended, statusEvent('13', 'failed'));
    expect([overwritten.run.status, overwritten.run.finishedAt]).toEqual(['failed', '2026-01-01T00:00:00.000Z']);
  });

  it("ignores another run's events", () => {
    const other = { ...epochEvent('30', 1), runId: '00000000-0000-4000-8000-000000000000' };
    expect(applyExternalRunEvent(start, other)).toBe(start);
  });
});
