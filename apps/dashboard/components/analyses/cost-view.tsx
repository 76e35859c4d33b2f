'use client';

import { useFormatter, useTranslations } from 'next-intl';
import { Fragment } from 'react';
import { type CostResult, costStages } from '@/lib/analysis-results';
import { type Formatter, fixed } from '@/lib/format';

type Model = NonNullable<CostResult['run']>;
type Course = NonNullable<CostResult['course']>;

const count = (f: Formatter, v: number) => f.number(Math.round(v));
/** MACs span 10^3 to 10^10: `1.23 M`, `4.56 G` (SI prefixes, as ML papers write them in every language). */
function macs(f: Formatter, v: number): string {
  if (v >= 1e9) return `${fixed(f, v / 1e9, 2)} G`;
  if (v >= 1e6) return `${fixed(f, v / 1e6, 2)} M`;
  if (v >= 1e3) return `${fixed(f, v / 1e3, 1)} k`;
  return count(f, v);
}
const shape = (s: number[]) => s.join('×');

/**
 * The cost analysis (docs/course.md §4): the run's net as stages → blocks → layers with shapes, parameters and
 * multiply-accumulates, its BasicBlock ↔ Bottleneck twin's totals beside it, and the course's 256-channel block.
 */
export function CostView({ cost }: { cost: CostResult }) {
  const t = useTranslations('analyses');
  return (
    <>
      <p className="explain">
        {t.rich('costExplain', { strong: (chunks) => <strong>{chunks}</strong>, sub: (chunks) => <sub>{chunks}</sub> })}
      </p>
      {cost.run ? <Totals run={cost.run} twin={cost.twin} /> : null}
      {cost.course ? <CourseExample course={cost.course} /> : null}
      {cost.run ? <Layers model={cost.run} /> : null}
    </>
  );
}

function Totals({ run, twin }: { run: Model; twin: Model | null }) {
  const t = useTranslations('analyses');
  const f = useFormatter();
  const rows = twin ? [run, twin] : [run];
  return (
    <section aria-labelledby="cost-totals-heading">
      <h2 id="cost-totals-heading">{t('totalsHeading', { block: twin?.block ?? 'other' })}</h2>
      <div className="table-wrap">
        <table className="data-table" aria-label={t('totalsLabel')} data-testid="cost-totals">
          <thead>
            <tr>
              <th scope="col">{t('colNet')}</th>
              <th scope="col">{t('colBlock')}</th>
              <th scope="col">{t('colInput')}</th>
              <th scope="col" className="num">
                {t('colBlocks')}
              </th>
              <th scope="col" className="num">
                {t('colParameters')}
              </th>
              <th scope="col" className="num">
                {t('colMacsPerImage')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <tr
                key={m.role}
                data-testid="cost-total-row"
                data-role={m.role}
                data-params={m.totalParams}
                data-macs={m.totalMacs}
              >
                <th scope="row" className="mono">
                  {m.name} {m.role === 'twin' ? t('roleTwin') : t('roleThis')}
                </th>
                <td>{m.block === 'basic' ? 'BasicBlock' : 'Bottleneck'}</td>
                <td className="mono">{shape(m.input)}</td>
                <td className="num">{m.blocks.length}</td>
                <td className="num mono">{count(f, m.totalParams)}</td>
                <td className="num mono">{macs(f, m.totalMacs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {twin ? (
        <p className="muted">
          {t('twinRatio', {
            block: twin.block,
            params: fixed(f, twin.totalParams / run.totalParams, 2),
            macs: fixed(f, twin.totalMacs / run.totalMacs, 2),
          })}
        </p>
      ) : null}
    </section>
  );
}

function CourseExample({ course }: { course: Course }) {
  const t = useTranslations('analyses');
  const f = useFormatter();
  return (
    <section aria-labelledby="cost-course-heading">
      <h2 id="cost-course-heading">{t('courseHeading', { channels: course.channels, size: course.size })}</h2>
      <div className="table-wrap">
        <table className="data-table" aria-label={t('courseLabel')} data-testid="cost-course">
          <thead>
            <tr>
              <th scope="col">{t('colBlock')}</th>
              <th scope="col">{t('colLayer')}</th>
              <th scope="col" className="num">
                {t('colChannels')}
              </th>
              <th scope="col" className="num">
                {t('colParameters')}
              </th>
              <th scope="col" className="num">
                {t('colMacs')}
              </th>
            </tr>
          </thead>
          <tbody>
            {course.rows.map((row) => (
              <Fragment key={row.block}>
                {row.layers.map((l, k) => (
                  <tr key={`${row.block}-${k}`}>
                    {k === 0 ? (
                      <th scope="row" rowSpan={row.layers.length + 1}>
                        {row.block === 'basic' ? 'BasicBlock' : 'Bottleneck'}
                      </th>
                    ) : null}
                    <td className="mono">{l.kind}</td>
                    <td className="num mono">
                      {l.inC} → {l.outC}
                    </td>
                    <td className="num mono">{count(f, l.params)}</td>
                    <td className="num mono">{macs(f, l.macs)}</td>
                  </tr>
                ))}
                <tr data-testid="cost-course-row" data-block={row.block} data-macs={row.macs}>
                  <td colSpan={2}>
                    <strong>{t('total')}</strong>
                  </td>
                  <td className="num mono">
                    <strong>{count(f, row.params)}</strong>
                  </td>
                  <td className="num mono">
                    <strong>{macs(f, row.macs)}</strong>
                  </td>
                </tr>
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Layers({ model }: { model: Model }) {
  const t = useTranslations('analyses');
  const f = useFormatter();
  const { stages, loose } = costStages(model);
  const stem = loose.filter((l) => model.layers.indexOf(l) < model.layers.findIndex((x) => x.block !== null));
  const head = loose.filter((l) => !stem.includes(l));
  const layerRow = (l: Model['layers'][number], indent: number) => (
    <tr key={l.name} data-testid="cost-layer-row">
      <td className="mono" style={{ paddingLeft: `${0.75 + indent}rem` }}>
        {l.name}
      </td>
      <td className="mono">{l.kind}</td>
      <td className="mono">{shape(l.inShape)}</td>
      <td className="mono">{shape(l.outShape)}</td>
      <td className="num mono">{count(f, l.params)}</td>
      <td className="num mono">{macs(f, l.macs)}</td>
    </tr>
  );
  return (
    <section aria-labelledby="cost-layers-heading">
      <h2 id="cost-layers-heading">{t('layersHeading', { net: model.name, input: shape(model.input) })}</h2>
      <div className="table-wrap">
        <table className="data-table" aria-label={t('layersLabel', { net: model.name })} data-testid="cost-layers">
          <thead>
            <tr>
              <th scope="col">{t('colStageBlockLayer')}</th>
              <th scope="col">{t('colKind')}</th>
              <th scope="col">{t('colIn')}</th>
              <th scope="col">{t('colOut')}</th>
              <th scope="col" className="num">
                {t('colParameters')}
              </th>
              <th scope="col" className="num">
                {t('colMacs')}
              </th>
            </tr>
          </thead>
          <tbody>
            {stem.map((l) => layerRow(l, 0))}
            {stages.map((stage) => (
              <Fragment key={stage.stage}>
                <tr data-testid="cost-stage-row">
                  <th scope="row" colSpan={4}>
                    {t('stageBlocks', { stage: stage.stage, n: stage.blocks.length })}
                  </th>
                  <td className="num mono">
                    <strong>{count(f, stage.params)}</strong>
                  </td>
                  <td className="num mono">
                    <strong>{macs(f, stage.macs)}</strong>
                  </td>
                </tr>
                {stage.blocks.map((b) => (
                  <Fragment key={b.name}>
                    <tr data-testid="cost-block-row">
                      <td className="mono" style={{ paddingLeft: '1.5rem' }}>
                        <em>{b.name}</em>
                      </td>
                      <td>{t('blockKind')}</td>
                      <td className="mono">{shape(b.inShape)}</td>
                      <td className="mono">{shape(b.outShape)}</td>
                      <td className="num mono">{count(f, b.params)}</td>
                      <td className="num mono">{macs(f, b.macs)}</td>
                    </tr>
                    {b.layers.map((l) => layerRow(l, 1.5))}
                  </Fragment>
                ))}
              </Fragment>
            ))}
            {head.map((l) => layerRow(l, 0))}
            <tr>
              <th scope="row" colSpan={4}>
                {t('totalCap')}
              </th>
              <td className="num mono" data-testid="cost-total-params">
                <strong>{count(f, model.totalParams)}</strong>
              </td>
              <td className="num mono">
                <strong>{macs(f, model.totalMacs)}</strong>
              </td>
            </tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}
