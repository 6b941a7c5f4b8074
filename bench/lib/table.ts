/** Markdown tables padded so they also read well in a terminal. */

export type Align = 'left' | 'right';

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length), 3));
  const pad = (text: string, column: number) =>
    align[column] === 'right' ? text.padStart(widths[column]) : text.padEnd(widths[column]);
  const line = (cells: readonly string[]) => `| ${headers.map((_, column) => pad(cells[column] ?? '', column)).join(' | ')} |`;
  const rule = `| ${widths.map((width, column) => (align[column] === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export const fmt = {
  us: (value: number) => (Number.isFinite(value) ? `${value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} µs` : 'n/a'),
  signedUs: (value: number) => (Number.isFinite(value) ? `${value >= 0 ? '+' : '−'}${fmt.us(Math.abs(value))}` : 'n/a'),
  ms: (value: number) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms` : 'n/a'),
  /** Milliseconds, shown in seconds. */
  s: (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a'),
  int: (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'),
  pct: (value: number) => `${Math.round(value)} %`,
  ratio: (value: number) => `${value.toFixed(2)}×`,
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`,
  signedMb: (bytes: number) => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 1024 / 1024).toFixed(1)} MB`,
  kb: (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`,
  yesNo: (met: boolean) => (met ? '✅ yes' : '❌ no'),
};

/** A "Targets" table: one row per check, [check, measured, target, met]. */
export function targetsTable(rows: readonly (readonly [string, string, string, boolean | undefined])[]): string {
  return markdownTable(
    ['Check', 'Measured', 'Target', 'Met'],
    rows.map(([check, measured, target, met]) => [check, measured, target, met === undefined ? '—' : fmt.yesNo(met)]),
    ['left', 'right', 'right', 'left'],
  );
}

/** What a scenario module hands the report: markdown sections, its part of latest.json, and what invalidates it. */
export interface SectionReport {
  markdown: string[];
  json: Record<string, unknown>;
  /** Unexpected responses or mismatches: the run fails after printing, as for the read path. */
  bad: string[];
}
