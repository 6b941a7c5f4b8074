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
  ms: (value: number) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms` : 'n/a'),
  int: (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'),
  pct: (value: number) => `${Math.round(value)} %`,
  ratio: (value: number) => `${value.toFixed(2)}×`,
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`,
  signedMb: (bytes: number) => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 1024 / 1024).toFixed(1)} MB`,
  kb: (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`,
  yesNo: (met: boolean) => (met ? '✅ yes' : '❌ no'),
};
