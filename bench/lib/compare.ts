import { median, quantile } from './stats.js';

/**
 * One side of a comparison. `run` performs the operation `iterations` times in a loop of its
 * own and returns the last result: a loop written once per operation keeps each call site
 * monomorphic, where one shared loop calling every operation through a parameter would not.
 */
export type Runner = (iterations: number) => unknown;

/** Two ways of doing the same work, ours first. */
export interface Matchup {
  name: string;
  ours: Runner;
  theirs: Runner;
}

export interface MatchupResult {
  name: string;
  /** Median over the rounds, in operations per second. */
  oursOpsPerSecond: number;
  theirsOpsPerSecond: number;
  /** The median of ours divided by the median of theirs: above 1, ours is faster. */
  ratio: number;
  /** The 25th and 75th percentiles of the per-round ratios, to show how much they moved. */
  ratioQuartiles: [number, number];
}

export interface CompareOptions {
  /** How many times every runner is timed, in interleaved rounds. Default: 40. */
  rounds?: number;
  /** How long one timed sample lasts, in milliseconds, once calibrated. Default: 25. */
  sampleMs?: number;
  /** How long each runner runs before timing starts, in milliseconds. Default: 250. */
  warmupMs?: number;
}

// Results land here so that no optimizing compiler can prove the work unused.
let sink: unknown;

/**
 * Times every matchup in interleaved rounds: each round times every runner once, ours and
 * theirs alternating which goes first, so that drift in the machine (frequency, other load,
 * garbage collection) falls on both sides alike. Each side's median is then compared.
 */
export function compare(
  matchups: readonly Matchup[],
  options: CompareOptions = {},
): MatchupResult[] {
  const { rounds = 40, sampleMs = 25, warmupMs = 250 } = options;
  const side = (run: Runner) => ({
    run,
    iterations: calibrate(run, warmupMs, sampleMs),
    samples: [] as number[],
  });
  const sides = matchups.map((matchup) => ({
    ours: side(matchup.ours),
    theirs: side(matchup.theirs),
  }));

  for (let round = 0; round < rounds; round++) {
    for (const { ours, theirs } of sides) {
      const order = round % 2 === 0 ? [ours, theirs] : [theirs, ours];
      for (const runner of order) runner.samples.push(opsPerSecond(runner.run, runner.iterations));
    }
  }

  return matchups.map((matchup, index) => {
    const { ours, theirs } = sides[index]!;
    const ratios = ours.samples.map((value, round) => value / theirs.samples[round]!);
    const oursOpsPerSecond = median(ours.samples);
    const theirsOpsPerSecond = median(theirs.samples);
    return {
      name: matchup.name,
      oursOpsPerSecond,
      theirsOpsPerSecond,
      ratio: oursOpsPerSecond / theirsOpsPerSecond,
      ratioQuartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
    };
  });
}

/** Warms `run` up for `warmupMs`, then returns how many iterations last about `sampleMs`. */
function calibrate(run: Runner, warmupMs: number, sampleMs: number): number {
  let iterations = 1;
  let spentMs = 0;
  const deadline = performance.now() + warmupMs;
  while (performance.now() < deadline || spentMs < 1) {
    const start = performance.now();
    sink = run(iterations);
    spentMs = performance.now() - start;
    if (spentMs < sampleMs / 4) iterations *= 2;
  }
  return Math.max(1, Math.round((iterations * sampleMs) / Math.max(spentMs, 0.001)));
}

function opsPerSecond(run: Runner, iterations: number): number {
  const start = process.hrtime.bigint();
  sink = run(iterations);
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return (iterations * 1e9) / elapsedNs;
}

/** The last result any runner produced; read it once at the end so that it stays live. */
export function lastResult(): unknown {
  return sink;
}
