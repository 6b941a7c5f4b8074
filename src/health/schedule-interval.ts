import { CronTime } from 'cron';

/**
 * The longest gap between consecutive runs of a cron schedule over its next few runs, in
 * milliseconds: how stale the newest result of a job may be while the job is healthy.
 */
export function longestCronGapMs(expression: string, runs = 8): number {
  const times = new CronTime(expression, 'UTC').sendAt(runs).map((time) => time.toMillis());
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
  return longest;
}
