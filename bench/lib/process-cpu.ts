import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

// /proc/<pid>/stat counts CPU time in clock ticks; 100 a second on nearly every Linux system.
const TICKS_PER_SECOND = ticksPerSecond();

/**
 * CPU time a process has used so far (user plus system), in seconds, read from
 * /proc/<pid>/stat; null where there is no /proc (not Linux) or the process is gone.
 * Resolution: one clock tick (10 ms at 100 ticks a second).
 */
export function processCpuSeconds(pid: number): number | null {
  const used = statCpuTicks(`/proc/${String(pid)}/stat`, false);
  return used === null ? null : used / TICKS_PER_SECOND;
}

/**
 * CPU time each thread of a process has used so far (user plus system), in seconds, by thread
 * id (the main thread's id is the process's), read from /proc/<pid>/task/<tid>/stat; null where
 * there is no /proc. A thread that ended is no longer listed.
 */
export function threadCpuSeconds(pid: number): Map<number, number> | null {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${String(pid)}/task`);
  } catch {
    return null;
  }
  const seconds = new Map<number, number>();
  for (const tid of threads) {
    const used = statCpuTicks(`/proc/${String(pid)}/task/${tid}/stat`, false);
    if (used !== null) seconds.set(Number(tid), used / TICKS_PER_SECOND);
  }
  return seconds;
}

/**
 * CPU time this process has used so far, with that of its children that have exited and been
 * waited for (a load generator run as a child, say), in seconds; null where there is no /proc.
 */
export function ownCpuSecondsWithChildren(): number | null {
  const used = statCpuTicks('/proc/self/stat', true);
  return used === null ? null : used / TICKS_PER_SECOND;
}

/** utime + stime of a /proc stat file, with cutime + cstime when asked; null if unreadable. */
function statCpuTicks(path: string, withChildren: boolean): number | null {
  try {
    const stat = readFileSync(path, 'utf8');
    // The command name (field 2) may hold spaces; the fields after it start past its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 to 17 of the whole line (utime, stime, cutime, cstime): 11 to 14 from field 3.
    const picked = withChildren ? fields.slice(11, 15) : fields.slice(11, 13);
    const ticks = picked.reduce((sum, field) => sum + Number(field), 0);
    return Number.isFinite(ticks) ? ticks : null;
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
