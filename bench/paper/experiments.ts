/**
 * The reproduction's experiments as plain data. A *job* pretrains one stack (or none) and then runs its
 * *tasks*: each task fine-tunes a network on one dataset and is evaluated on dev and test. Tasks that share
 * a pretrained stack share the job, so a stack is pretrained once per (activation, width, seed):
 *  - the 1-layer rectifier reuses the first layer of the 3-layer stack (greedy pretraining trains layer 1
 *    the same way whatever is stacked above it);
 *  - the L1 sweep and the labeled-data curve fine-tune copies of the seed-1 rectifier stack.
 * Seeds 2 and 3 repeat only yelp's Table 2 rows (softplus, Amazon and the sweeps run with seed 1): the whole
 * plan at 3 seeds would not fit the 2-core machine's time for one run.
 */
import type { Activation } from '../../model/activations.js';
import type { DatasetName } from '../corpora.js';

export interface Task {
  id: string;
  /** Which table or chart it feeds. */
  group: 'table2' | 'amazon' | 'l1' | 'labels' | 'width';
  dataset: DatasetName;
  /** Hidden layers fine-tuned (taken from the stack's bottom when it has more). */
  depth: number;
  pretrained: boolean;
  l1: number;
  /** Labeled training reviews used (a seeded subset of train), or all. */
  labels?: number;
}

export interface Job {
  id: string;
  activation: Activation;
  width: number;
  seed: number;
  /** Pretrain a 3-layer stack first (tasks with pretrained: true use it). */
  pretrain: boolean;
  /** Unlabeled hotel reviews added to the pretraining texts (beside both datasets' train texts). */
  hotels: number;
  tasks: Task[];
}

/** Fine-tuning L1 coefficient of the main runs (the paper's text value is not stated; see the L1 sweep). */
export const L1 = 1e-4;
export const L1_SWEEP = [0, 1e-5, 3e-5, 3e-4, 1e-3, 3e-3, 1e-2];
export const LABEL_SIZES = [100, 300, 1000, 3000];
export const SEEDS = [1, 2, 3];
export const WIDTH = 1000;
export const PAPER_WIDTH = 5000;
export const HOTELS = 20000;

const task = (t: Omit<Task, 'l1'> & { l1?: number }): Task => ({ l1: L1, ...t });

function seedJobs(seed: number): Job[] {
  const first = seed === 1;
  const s = `s${seed}`;
  return [
    {
      id: `relu-${WIDTH}-${s}`, activation: 'relu', width: WIDTH, seed, pretrain: true, hotels: HOTELS,
      tasks: [
        task({ id: `yelp-relu3-pre-${s}`, group: 'table2', dataset: 'yelp', depth: 3, pretrained: true }),
        task({ id: `yelp-relu1-pre-${s}`, group: 'table2', dataset: 'yelp', depth: 1, pretrained: true }),
        ...(first ? [task({ id: `amazon-relu3-pre-${s}`, group: 'amazon', dataset: 'amazon', depth: 3, pretrained: true })] : []),
        ...(first ? L1_SWEEP.map((l1) => task({ id: `yelp-relu3-pre-l1=${l1}-${s}`, group: 'l1', dataset: 'yelp', depth: 3, pretrained: true, l1 })) : []),
        ...(first ? LABEL_SIZES.map((n) => task({ id: `yelp-relu3-pre-n=${n}-${s}`, group: 'labels', dataset: 'yelp', depth: 3, pretrained: true, labels: n })) : []),
      ],
    },
    {
      id: `none-${WIDTH}-${s}`, activation: 'relu', width: WIDTH, seed, pretrain: false, hotels: 0,
      tasks: [
        task({ id: `yelp-softmax-${s}`, group: 'table2', dataset: 'yelp', depth: 0, pretrained: false }),
        task({ id: `yelp-relu3-nopre-${s}`, group: 'table2', dataset: 'yelp', depth: 3, pretrained: false }),
        ...(first ? [
          task({ id: `amazon-softmax-${s}`, group: 'amazon', dataset: 'amazon', depth: 0, pretrained: false }),
          task({ id: `amazon-relu3-nopre-${s}`, group: 'amazon', dataset: 'amazon', depth: 3, pretrained: false }),
        ] : []),
        ...(first ? LABEL_SIZES.map((n) => task({ id: `yelp-relu3-nopre-n=${n}-${s}`, group: 'labels', dataset: 'yelp', depth: 3, pretrained: false, labels: n })) : []),
      ],
    },
    {
      id: `tanh-${WIDTH}-${s}`, activation: 'tanh', width: WIDTH, seed, pretrain: true, hotels: HOTELS,
      tasks: [
        task({ id: `yelp-tanh3-pre-${s}`, group: 'table2', dataset: 'yelp', depth: 3, pretrained: true }),
        ...(first ? [task({ id: `amazon-tanh3-pre-${s}`, group: 'amazon', dataset: 'amazon', depth: 3, pretrained: true })] : []),
      ],
    },
    ...(first ? [{
      id: `softplus-${WIDTH}-${s}`, activation: 'softplus' as const, width: WIDTH, seed, pretrain: true, hotels: HOTELS,
      tasks: [task({ id: `yelp-softplus3-pre-${s}`, group: 'table2', dataset: 'yelp', depth: 3, pretrained: true })],
    }] : []),
  ];
}

/** Every job, in the order workers take them: seed 1 first (it feeds the sweeps), the paper width last. */
export function allJobs(): Job[] {
  return [
    ...SEEDS.flatMap(seedJobs),
    {
      id: `relu-${PAPER_WIDTH}-s1`, activation: 'relu', width: PAPER_WIDTH, seed: 1, pretrain: true, hotels: 2400,
      tasks: [
        task({ id: `yelp-relu3-pre-w${PAPER_WIDTH}-s1`, group: 'width', dataset: 'yelp', depth: 3, pretrained: true }),
        task({ id: `yelp-relu1-pre-w${PAPER_WIDTH}-s1`, group: 'width', dataset: 'yelp', depth: 1, pretrained: true }),
      ],
    },
  ];
}
