import { readFileSync } from 'node:fs';

/** A process's resident memory, as Linux counts it. */
export interface ProcessMemory {
  /** Resident now (`VmRSS`). Unit: bytes. */
  rssBytes: number;
  /** The most it has been resident since it started (`VmHWM`). Unit: bytes. */
  peakRssBytes: number;
  /** Of the resident set now: private memory (`RssAnon`: heaps, caches). Unit: bytes. */
  anonymousBytes: number;
  /** Of the resident set now: mapped files (`RssFile`: the node binary, libraries). Unit: bytes. */
  fileBytes: number;
}

/**
 * Reads another process's resident memory from /proc/<pid>/status; null where there is no
 * /proc (not Linux) or the process is gone. Read from outside, it needs nothing in the process
 * itself: the server measured is the one users run.
 */
export function processMemory(pid: number): ProcessMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number => {
      const match = new RegExp(`^${field}:\\s*(\\d+) kB$`, 'm').exec(status);
      if (match?.[1] === undefined) throw new Error(`no ${field}`);
      return Number(match[1]) * 1024;
    };
    return {
      rssBytes: kib('VmRSS'),
      peakRssBytes: kib('VmHWM'),
      anonymousBytes: kib('RssAnon'),
      fileBytes: kib('RssFile'),
    };
  } catch {
    return null;
  }
}
