// CPU time from Linux /proc, for the benchmarks: a process's (all its threads), one thread's, and the
// machine's idle share. NaN where /proc cannot be read.
import { readFileSync } from 'node:fs';

export const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux

/** utime + stime in clock ticks, from /proc/<pid>/stat, /proc/<pid>/task/<tid>/stat or /proc/thread-self/stat. */
export function cpuTicks(statFile: string): number {
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid: number): number {
  return cpuTicks(`/proc/${pid}/stat`) / CLOCK_TICKS_PER_SECOND;
}

/** [idle, total] ticks over all cores, from /proc/stat. */
export function machineTicks(): [number, number] {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
    const idle = cpu[3]! + (cpu[4] ?? 0); // idle + iowait
    return [idle, cpu.reduce((a, b) => a + b, 0)];
  } catch {
    return [Number.NaN, Number.NaN];
  }
}

/** CPU seconds (user + system) the calling thread has used so far. */
export function threadCpuSeconds(): number {
  return cpuTicks('/proc/thread-self/stat') / CLOCK_TICKS_PER_SECOND;
}
