/** Charts for BENCHMARKS.md: Vega-Lite specs rendered to SVG headlessly by Vega (no browser, no canvas). */
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const base = { width: 460, height: 260, background: 'white', config: { font: 'Helvetica, Arial, sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 } } };

export async function renderSvg(spec: TopLevelSpec, path: string): Promise<void> {
  const view = new vega.View(vega.parse(compile({ ...base, ...spec } as TopLevelSpec).spec), { renderer: 'none' });
  writeFileSync(path, await view.toSVG());
  view.finalize();
}

export interface L1Point { l1: string; order: number; rmse: number; sparsity: number }

/** The paper's Figure 3 on text: test RMSE and share of true zeros as the L1 coefficient grows. */
export function l1Chart(points: L1Point[]): TopLevelSpec {
  const x = { field: 'l1', type: 'ordinal', sort: { field: 'order' }, title: 'L1 coefficient on activations (fine-tuning)' } as const;
  return {
    title: 'yelp-10k test: RMSE and sparsity against the L1 penalty (3 × 1000 rectifiers, pretrained)',
    data: { values: points },
    layer: [
      { mark: { type: 'line', point: true, color: '#1f77b4' }, encoding: { x, y: { field: 'rmse', type: 'quantitative', scale: { zero: false }, title: 'test RMSE', axis: { titleColor: '#1f77b4' } } } },
      { mark: { type: 'line', point: true, color: '#d62728', strokeDash: [5, 3] }, encoding: { x, y: { field: 'sparsity', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%', titleColor: '#d62728' }, title: 'exact zeros, all hidden layers' } } },
    ],
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

export interface LabelPoint { labels: number; rmse: number; pretraining: string }

export function labelsChart(points: LabelPoint[]): TopLevelSpec {
  return {
    title: 'yelp-10k test RMSE against labeled training reviews (3 × 1000 rectifiers)',
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'labels', type: 'quantitative', scale: { type: 'log' }, title: 'labeled training reviews (log scale)' },
      y: { field: 'rmse', type: 'quantitative', scale: { zero: false }, title: 'test RMSE' },
      color: { field: 'pretraining', type: 'nominal', title: null, legend: { orient: 'top-right' } },
    },
  } as TopLevelSpec;
}

export interface CurvePoint { epoch: number; devRmse: number; model: string }

export function learningCurveChart(points: CurvePoint[]): TopLevelSpec {
  return {
    title: 'Learning curves: yelp-10k dev RMSE per fine-tuning epoch (seed 1)',
    data: { values: points },
    mark: { type: 'line', point: { size: 20 } },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'fine-tuning epoch' },
      y: { field: 'devRmse', type: 'quantitative', scale: { zero: false, domain: [0.75, 1.2], clamp: true }, title: 'dev RMSE (clipped at 1.2)' },
      color: { field: 'model', type: 'nominal', title: null, legend: { orient: 'right', labelLimit: 400 } },
    },
  } as TopLevelSpec;
}
