import { loadavg } from 'node:os';

import { describeMachine } from './machine.js';
import { describeSource } from './source.js';
import { formatMarkdownTable, formatTable } from './table.js';
import { describeLoadGenerator } from './wrk-load.js';

import type { Machine } from './machine.js';
import type { SourceState } from './source.js';

/** Where and when a run happened, as it goes into its results file. */
export interface RunRecord {
  machine: Machine;
  source: SourceState | null;
  startedAt: string;
  finishedAt: string;
  /** The 1-, 5- and 15-minute load averages: the machine is shared with other work. */
  loadAverage: { before: number[]; after: number[] };
  /** What drove the load: `autocannon 8.0.0`, or `wrk 4.1.0` (BENCH_LOAD_GENERATOR=wrk). */
  loadGenerator: string | null;
}

/**
 * Notes the start of a run (the source and the machine's load); `finish` completes it.
 * `drivesLoad: false` for a benchmark that sends no HTTP load (no load generator to name).
 */
export function startRun(
  root: string,
  options: { drivesLoad?: boolean } = {},
): { finish(): RunRecord } {
  const startedAt = new Date().toISOString();
  const before = loadavg();
  const source = describeSource(root);
  return {
    finish: () => ({
      machine: describeMachine(),
      source,
      startedAt,
      finishedAt: new Date().toISOString(),
      loadAverage: { before, after: loadavg() },
      loadGenerator: options.drivesLoad === false ? null : describeLoadGenerator(),
    }),
  };
}

/** Prints a table as plain text, and as Markdown as well when `--markdown` was given. */
export function printTable(
  rows: readonly (readonly string[])[],
  numeric: readonly boolean[],
): void {
  process.stdout.write(`${formatTable(rows, numeric)}\n`);
  if (process.argv.includes('--markdown')) {
    process.stdout.write(`\n${formatMarkdownTable(rows, numeric)}\n`);
  }
}

/** One line about the run: machine, load before and after, minutes taken. */
export function describeRun(run: RunRecord): string {
  const minutes = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 60_000;
  const load = (values: number[]) => values.map((value) => value.toFixed(1)).join(' ');
  const source =
    run.source === null
      ? 'source unknown'
      : `commit ${run.source.commit.slice(0, 7)}${run.source.srcModified ? ' (src/ modified)' : ''}`;
  return (
    `${describeMachineLine(run.machine)}, ${source}` +
    `${run.loadGenerator === null ? '' : `, ${run.loadGenerator}`}; load average ` +
    `${load(run.loadAverage.before)} before, ${load(run.loadAverage.after)} after; ` +
    `${minutes.toFixed(1)} min`
  );
}

/** The machine and the load generator, for the line under a table. */
export function describeMachineAndLoad(machine: Machine): string {
  return `${describeMachineLine(machine)}, ${describeLoadGenerator()}`;
}

function describeMachineLine(machine: Machine): string {
  return `${machine.cpus} x ${machine.cpuModel}, Node ${machine.node}`;
}
