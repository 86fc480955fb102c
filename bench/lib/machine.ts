import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, release } from 'node:os';

/** The machine a benchmark ran on, as it goes into a results file and docs/benchmarks.md. */
export interface Machine {
  /** The CPU's `model name` from /proc/cpuinfo, else what Node reports. */
  cpuModel: string;
  /** The CPUs this process may use, as `nproc` counts them. */
  cpus: number;
  node: string;
  os: string;
}

export function describeMachine(): Machine {
  return {
    cpuModel: cpuModelName(),
    cpus: availableParallelism(),
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

function cpuModelName(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1] !== undefined) return match[1].trim();
  } catch {
    // Not Linux: fall back to what Node knows.
  }
  return cpus()[0]?.model ?? 'unknown';
}
