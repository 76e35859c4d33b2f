'use client';

import { Fragment } from 'react';
import { type CostResult, costStages } from '@/lib/analysis-results';

type Model = NonNullable<CostResult['run']>;
type Course = NonNullable<CostResult['course']>;

const count = (v: number) => Math.round(v).toLocaleString('en-US');
/** MACs span 10^3 to 10^10: `1.23 M`, `4.56 G`. */
function macs(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return count(v);
}
const shape = (s: number[]) => s.join('×');

/**
 * The cost analysis (docs/course.md §4): the run's net as stages → blocks → layers with shapes, parameters and
 * multiply-accumulates, its BasicBlock ↔ Bottleneck twin's totals beside it, and the course's 256-channel block.
 */
export function CostView({ cost }: { cost: CostResult }) {
  return (
    <>
      <p className="explain">
        <strong>The claim</strong> (docs/course.md §4): a k×k convolution costs H·W·C<sub>in</sub>·C<sub>out</sub>·k²
        multiply-accumulates (MACs), so the bottleneck block squeezes the channels with a 1×1 convolution before its 3×3
        and restores them with another, and buys depth for fewer MACs than two 3×3 convolutions at full width.{' '}
        <strong>What was counted</strong>: every layer's parameters and MACs for one image, counted by PyTorch's
        FlopCounterMode (FLOPs / 2) on the run's own net and on the same width and depth built with the other block, and
        checked against the hand formulas in the engine's tests.
      </p>
      {cost.run ? <Totals run={cost.run} twin={cost.twin} /> : null}
      {cost.course ? <CourseExample course={cost.course} /> : null}
      {cost.run ? <Layers model={cost.run} /> : null}
    </>
  );
}

function Totals({ run, twin }: { run: Model; twin: Model | null }) {
  const rows = twin ? [run, twin] : [run];
  return (
    <section aria-labelledby="cost-totals-heading">
      <h2 id="cost-totals-heading">This net beside its {twin?.block ?? 'other-block'} twin</h2>
      <div className="table-wrap">
        <table className="data-table" aria-label="Totals of the run's net and its twin" data-testid="cost-totals">
          <thead>
            <tr>
              <th scope="col">Net</th>
              <th scope="col">Block</th>
              <th scope="col">Input</th>
              <th scope="col" className="num">
                Blocks
              </th>
              <th scope="col" className="num">
                Parameters
              </th>
              <th scope="col" className="num">
                MACs per image
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
                  {m.name} {m.role === 'twin' ? '(twin)' : '(this run)'}
                </th>
                <td>{m.block === 'basic' ? 'BasicBlock' : 'Bottleneck'}</td>
                <td className="mono">{shape(m.input)}</td>
                <td className="num">{m.blocks.length}</td>
                <td className="num mono">{count(m.totalParams)}</td>
                <td className="num mono">{macs(m.totalMacs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {twin ? (
        <p className="muted">
          The {twin.block} twin has {(twin.totalParams / run.totalParams).toFixed(2)}× the parameters and{' '}
          {(twin.totalMacs / run.totalMacs).toFixed(2)}× the MACs of this net.
        </p>
      ) : null}
    </section>
  );
}

function CourseExample({ course }: { course: Course }) {
  return (
    <section aria-labelledby="cost-course-heading">
      <h2 id="cost-course-heading">
        The course's example: one block at {course.channels} channels on a {course.size}×{course.size} map
      </h2>
      <div className="table-wrap">
        <table className="data-table" aria-label="The course's bottleneck example" data-testid="cost-course">
          <thead>
            <tr>
              <th scope="col">Block</th>
              <th scope="col">Layer</th>
              <th scope="col" className="num">
                Channels in → out
              </th>
              <th scope="col" className="num">
                Parameters
              </th>
              <th scope="col" className="num">
                MACs
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
                    <td className="num mono">{count(l.params)}</td>
                    <td className="num mono">{macs(l.macs)}</td>
                  </tr>
                ))}
                <tr data-testid="cost-course-row" data-block={row.block} data-macs={row.macs}>
                  <td colSpan={2}>
                    <strong>total</strong>
                  </td>
                  <td className="num mono">
                    <strong>{count(row.params)}</strong>
                  </td>
                  <td className="num mono">
                    <strong>{macs(row.macs)}</strong>
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
      <td className="num mono">{count(l.params)}</td>
      <td className="num mono">{macs(l.macs)}</td>
    </tr>
  );
  return (
    <section aria-labelledby="cost-layers-heading">
      <h2 id="cost-layers-heading">
        {model.name}: stages, blocks and layers (input {shape(model.input)})
      </h2>
      <div className="table-wrap">
        <table className="data-table" aria-label={`Layers of ${model.name}`} data-testid="cost-layers">
          <thead>
            <tr>
              <th scope="col">Stage / block / layer</th>
              <th scope="col">Kind</th>
              <th scope="col">In (C×H×W)</th>
              <th scope="col">Out</th>
              <th scope="col" className="num">
                Parameters
              </th>
              <th scope="col" className="num">
                MACs
              </th>
            </tr>
          </thead>
          <tbody>
            {stem.map((l) => layerRow(l, 0))}
            {stages.map((stage) => (
              <Fragment key={stage.stage}>
                <tr data-testid="cost-stage-row">
                  <th scope="row" colSpan={4}>
                    {stage.stage} ({stage.blocks.length} block{stage.blocks.length === 1 ? '' : 's'})
                  </th>
                  <td className="num mono">
                    <strong>{count(stage.params)}</strong>
                  </td>
                  <td className="num mono">
                    <strong>{macs(stage.macs)}</strong>
                  </td>
                </tr>
                {stage.blocks.map((b) => (
                  <Fragment key={b.name}>
                    <tr data-testid="cost-block-row">
                      <td className="mono" style={{ paddingLeft: '1.5rem' }}>
                        <em>{b.name}</em>
                      </td>
                      <td>block</td>
                      <td className="mono">{shape(b.inShape)}</td>
                      <td className="mono">{shape(b.outShape)}</td>
                      <td className="num mono">{count(b.params)}</td>
                      <td className="num mono">{macs(b.macs)}</td>
                    </tr>
                    {b.layers.map((l) => layerRow(l, 1.5))}
                  </Fragment>
                ))}
              </Fragment>
            ))}
            {head.map((l) => layerRow(l, 0))}
            <tr>
              <th scope="row" colSpan={4}>
                Total
              </th>
              <td className="num mono" data-testid="cost-total-params">
                <strong>{count(model.totalParams)}</strong>
              </td>
              <td className="num mono">
                <strong>{macs(model.totalMacs)}</strong>
              </td>
            </tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}
