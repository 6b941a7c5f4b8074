/** How numbers and dates read in the UI, in the browser's locale. */

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // One decimal below 10 ("1.5 MB"), none above or when it would be ".0" ("2 KB", "18 KB").
  const rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  return `${rounded} ${UNITS[unit]}`;
}

export function formatDateTime(iso: string | null): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const RELATIVE_STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** "in 7 days", "3 hours ago". */
export function formatRelative(iso: string, now = Date.now()): string {
  const difference = new Date(iso).getTime() - now;
  const [unit, size] = RELATIVE_STEPS.find(([, ms]) => Math.abs(difference) >= ms) ?? RELATIVE_STEPS[RELATIVE_STEPS.length - 1];
  return new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(Math.round(difference / size), unit);
}

export function formatDuration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return minutes > 0 ? `${minutes} min` : `${Math.floor(seconds)} s`;
}

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const NUMBER = /^\d+$/;

/**
 * A cron expression (UTC) in words for the usual shapes ("hourly at :30", "daily at 02:00 UTC",
 * "weekly on Monday at 04:00 UTC", "every 15 minutes"); undefined for any other, which then
 * reads as the expression alone.
 */
export function describeCron(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 6 && fields[0] === '0') fields.shift(); // a seconds field that is always 0
  if (fields.length !== 5) return undefined;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  if (dayOfMonth !== '*' || month !== '*') return undefined;
  const every = /^\*\/(\d+)$/.exec(minute);
  if (every && hour === '*' && dayOfWeek === '*') return `every ${plural(Number(every[1]), 'minute')}`;
  if (!NUMBER.test(minute)) return undefined;
  if (hour === '*' && dayOfWeek === '*') return minute === '0' ? 'hourly' : `hourly at :${minute.padStart(2, '0')}`;
  if (!NUMBER.test(hour)) return undefined;
  const at = `at ${hour.padStart(2, '0')}:${minute.padStart(2, '0')} UTC`;
  if (dayOfWeek === '*') return `daily ${at}`;
  const weekday = NUMBER.test(dayOfWeek) ? WEEKDAYS[Number(dayOfWeek)] : undefined;
  return weekday ? `weekly on ${weekday} ${at}` : undefined;
}
