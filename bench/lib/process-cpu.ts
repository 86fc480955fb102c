import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// /proc/<pid>/stat counts CPU time in clock ticks; 100 a second on nearly every Linux system.
const TICKS_PER_SECOND = ticksPerSecond();

/**
 * CPU time a process has used so far (user plus system), in seconds, read from
 * /proc/<pid>/stat; null where there is no /proc (not Linux) or the process is gone.
 * Resolution: one clock tick (10 ms at 100 ticks a second).
 */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after it start past its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 counted from field 3.
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return null;
    return (userTicks + systemTicks) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function ticksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}
