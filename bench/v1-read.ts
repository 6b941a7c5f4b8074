/**
 * The old contract's read, `GET /api/v1/images/{number}`, beside its v2 twins, against the
 * issue's rule: "v1 must not cost more than the base64 it adds". v1 answers v2's metadata (in
 * snake_case) plus the full WebP as base64 in the JSON, and counts a use (one UPDATE per
 * request); v2 answers the metadata (`GET /api/v2/images/{uuid}`) and the bytes
 * (`…/full`) separately. So v1's cost over v2's JSON is set against what base64 + JSON of the
 * same file costs by itself, measured in-process (bench/lib/encode-cost.ts).
 *
 * The runs are the read path's own (bench/run.ts measures every scenario alike); this module
 * only reads them three ways (server CPU per request, 1 ÷ req/s in the closed loop, p99 at the
 * steady fixed rate) and prints the comparison.
 */
import type { EncodeCost } from './lib/encode-cost.js';
import { cpuMicrosPerRequest, type Measurement, OTHER_CPU_WARNING_PCT } from './lib/measure.js';
import { fmt, markdownTable, type SectionReport, targetsTable } from './lib/table.js';

interface Runs {
  name: string;
  throughput: Measurement;
  fixedRate: Measurement;
}

export interface V1ReadTwins {
  /** `GET /api/v2/images/{uuid}`: the metadata. */
  v2Json: Runs;
  /** `GET /api/v2/images/{uuid}/full`: the bytes. */
  v2Full: Runs;
  /** The same answered 304: the difference is what sending the bytes costs the service. */
  v2NotModified: Runs;
  /** `GET /api/v1/images/{number}`: both, the bytes as base64, and a use counted. */
  v1: Runs;
  /** The same with include_data=false (of another image, as large): the metadata and the use, no data. */
  v1NoData: Runs;
}

/** One request's cost, three ways, in µs. */
interface Cost {
  cpu: number;
  perRequest: number;
  p99: number;
}

const WAYS: readonly { key: keyof Cost; label: string }[] = [
  { key: 'cpu', label: 'server CPU per request' },
  { key: 'perRequest', label: '1 ÷ req/s' },
  { key: 'p99', label: 'p99 at the fixed rate' },
];

type Twin = keyof V1ReadTwins;

/**
 * The differences read, each in the three ways: the rule's (checked against the allowance),
 * and where v1's extra goes. `check` marks the ones the base64 allowance applies to.
 */
const COMPARISONS: readonly { key: string; label: string; minuend: Twin; subtrahends: readonly Twin[]; check: boolean }[] = [
  { key: 'v1OverV2Json', label: 'v1 GET − v2 GET (JSON)', minuend: 'v1', subtrahends: ['v2Json'], check: true },
  { key: 'data', label: 'of which the data: v1 − v1 include_data=false', minuend: 'v1', subtrahends: ['v1NoData'], check: true },
  { key: 'rest', label: 'of which the rest (the use count, snake_case): v1 include_data=false − v2 JSON', minuend: 'v1NoData', subtrahends: ['v2Json'], check: false },
  { key: 'v1OverBothV2', label: 'v1 GET − (v2 JSON + v2 /full, the two requests a v2 client makes)', minuend: 'v1', subtrahends: ['v2Json', 'v2Full'], check: false },
  // Not in the allowance, but v1 sends its bytes too (a third more, as base64): for scale.
  { key: 'sendingBytes', label: 'for scale, sending the file: v2 /full − v2 /full → 304', minuend: 'v2Full', subtrahends: ['v2NotModified'], check: false },
];

function costOf(runs: Runs): Cost {
  return { cpu: cpuMicrosPerRequest(runs.throughput), perRequest: 1e6 / runs.throughput.reqPerS, p99: runs.fixedRate.latencyMs.p99 * 1000 };
}

export function v1ReadReport(twins: V1ReadTwins, encode: EncodeCost, file: { fullBytes: number; fixedRate: number }): SectionReport {
  const twinKeys = Object.keys(twins) as Twin[];
  const cost = Object.fromEntries(twinKeys.map((twin) => [twin, costOf(twins[twin])])) as Record<Twin, Cost>;
  const allowance = encode.totalUs;

  const twinsTable = markdownTable(
    ['Twin', 'req/s', '1 ÷ req/s', `p99 at ${file.fixedRate} req/s`, 'Server CPU per request', 'Other CPU (closed loop / fixed rate)'],
    twinKeys.map((twin) => {
      const { throughput, fixedRate } = twins[twin];
      return [twins[twin].name, fmt.int(throughput.reqPerS), fmt.us(cost[twin].perRequest), fmt.ms(fixedRate.latencyMs.p99), fmt.us(cost[twin].cpu), `${fmt.pct(throughput.otherCpuPct)} / ${fmt.pct(fixedRate.otherCpuPct)}`];
    }),
    ['left', 'right', 'right', 'right', 'right', 'right'],
  );
  // Differences of a few hundred µs drown when other processes take a core from the server
  // or the load generator: both are busy only in the closed loop.
  const busiest = Math.max(...twinKeys.map((twin) => twins[twin].throughput.otherCpuPct));
  const busyWarning =
    busiest > OTHER_CPU_WARNING_PCT
      ? `\n\n⚠️ Other processes used up to ${fmt.pct(busiest)} of a core during these closed loops (Other CPU): the differences below are not reliable; run again on an idle machine.`
      : '';

  const rows: [string, string, string, boolean | undefined][] = [];
  const deltas: Record<string, Record<keyof Cost, number>> = {};
  for (const { key: comparison, label, minuend, subtrahends, check } of COMPARISONS) {
    deltas[comparison] = { cpu: 0, perRequest: 0, p99: 0 };
    for (const { key, label: way } of WAYS) {
      const subtracted = subtrahends.reduce((sum, twin) => sum + cost[twin][key], 0);
      const delta = cost[minuend][key] - subtracted;
      deltas[comparison][key] = delta;
      rows.push([
        `${label}, ${way}`,
        `${fmt.signedUs(delta)} (${fmt.us(cost[minuend][key])} − ${fmt.us(subtracted)})`,
        check ? `≤ ${fmt.us(allowance)}` : '(context)',
        check ? delta <= allowance : undefined,
      ]);
    }
  }

  const intro =
    `v1 answers v2's metadata (in snake_case) plus the full WebP (${fmt.kb(file.fullBytes)}) as base64 in its JSON (a ${fmt.kb(encode.bodyBytes)} body), ` +
    `and counts a use: an UPDATE per request. The rule: v1 must not cost more than the base64 it adds. That allowance, measured in this process ` +
    `on the same bytes and metadata (median of batches): base64 ${fmt.us(encode.base64Us)}, JSON.stringify with it ${fmt.signedUs(encode.stringifyUs)}, ` +
    `its UTF-8 bytes ${fmt.signedUs(encode.utf8Us)}; all three in one go, over the body without it: **${fmt.us(allowance)}** per request. ` +
    `Each twin's cost is read three ways from its runs above: server CPU per response and 1 ÷ req/s in the closed loop, and p99 at a steady ` +
    `${file.fixedRate} req/s. 1 ÷ req/s is the server's time per request only while the server, not the load generator, is the bottleneck ` +
    `(see the Loadgen CPU column: /full saturates the load generator, so its 1 ÷ req/s is an upper bound).`;

  return {
    markdown: [`### v1 \`GET /api/v1/images/{number}\` beside its v2 twins (the base64 it adds)\n\n${intro}\n\n${twinsTable}${busyWarning}\n\n${targetsTable(rows)}`],
    json: { encode, allowanceUs: allowance, costUs: cost, deltasUs: deltas },
    bad: [],
  };
}
