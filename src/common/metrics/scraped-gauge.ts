import { Gauge, type GaugeConfiguration, register } from 'prom-client';

/**
 * A gauge read when Prometheus scrapes, in the default registry. One per name: a newer
 * application in the same process (tests start several) takes the name over, so the gauge
 * reads that application's state instead of failing to register.
 */
export function registerScrapedGauge<Label extends string>(config: Omit<GaugeConfiguration<Label>, 'registers'>): Gauge<Label> {
  register.removeSingleMetric(config.name);
  return new Gauge({ ...config, registers: [register] });
}
