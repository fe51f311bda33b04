/**
 * The external tools the peer benchmark runs (never needed by the product): the fastText binary and a
 * Python 3 with scikit-learn. Found once, checked up front with one clear message, then run with timing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const INSTALL = 'apt-get install fasttext python3-sklearn';

export interface Tools {
  fasttext: string;
  python: string;
  versions: { python: string; sklearn: string; fasttext: string };
}

/** Environment for child processes: one BLAS/OpenMP thread, so sklearn stays on one core; no __pycache__ in bench/peers. */
export const SINGLE_THREAD_ENV = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' };

function works(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: SINGLE_THREAD_ENV });
  return r.error || r.status !== 0 ? undefined : `${r.stdout}`.trim();
}

/**
 * FASTTEXT / PEERS_PYTHON override the defaults (/usr/bin/fasttext or `fasttext` on PATH; /usr/bin/python3,
 * then `python3`, the first that imports sklearn: a pyenv python3 on PATH often has no sklearn).
 */
export function findTools(): Tools {
  const problems: string[] = [];
  const fasttextCandidates = process.env.FASTTEXT ? [process.env.FASTTEXT] : ['/usr/bin/fasttext', 'fasttext'];
  // `fasttext` with no arguments prints its usage and exits 1; spawning it at all proves it is there
  const fasttext = fasttextCandidates.find((c) => !spawnSync(c, [], { encoding: 'utf8' }).error);
  if (!fasttext) problems.push(`fastText not found (tried ${fasttextCandidates.join(', ')}; set FASTTEXT=/path/to/fasttext)`);
  const pythonCandidates = process.env.PEERS_PYTHON ? [process.env.PEERS_PYTHON] : ['/usr/bin/python3', 'python3'].filter((c) => c.includes('/') ? existsSync(c) : true);
  let python: string | undefined;
  let sklearn: string | undefined;
  for (const c of pythonCandidates) {
    sklearn = works(c, ['-c', 'import numpy, scipy, sklearn; print(sklearn.__version__)']);
    if (sklearn) {
      python = c;
      break;
    }
  }
  if (!python) problems.push(`no Python 3 with scikit-learn (tried ${pythonCandidates.join(', ') || 'none'}; set PEERS_PYTHON=/path/to/python3)`);
  if (problems.length) {
    throw new Error(`needs fastText and scikit-learn (the product itself never does):\n  ${problems.join('\n  ')}\ninstall them with: ${INSTALL}`);
  }
  const dpkg = works('dpkg-query', ['-W', '-f', '${Version}', 'fasttext']);
  return {
    fasttext: fasttext!,
    python: python!,
    versions: { python: works(python!, ['-c', 'import platform; print(platform.python_version())']) ?? 'unknown', sklearn: sklearn!, fasttext: dpkg ?? 'unknown' },
  };
}

export interface Run {
  stdout: string;
  seconds: number;
}

/** Run a command to completion; throws with its stderr when it fails. */
export function run(cmd: string, args: string[], options: { stdin?: string } = {}): Run {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: SINGLE_THREAD_ENV, maxBuffer: 1 << 28, ...(options.stdin !== undefined ? { input: options.stdin } : {}) });
  const seconds = (performance.now() - t) / 1000;
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return { stdout: r.stdout, seconds };
}
