import type { FactoryProvider, InjectionToken } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import { Gauge, register } from 'prom-client';

export interface ScrapedGaugeOptions<Deps extends unknown[], Label extends string> {
  name: string;
  help: string;
  labelNames?: Label[];
  /** What the reading needs, injected like any provider's dependencies. */
  inject: { [K in keyof Deps]: InjectionToken };
  /** Sets the gauge from the application's state; runs when Prometheus scrapes. */
  read: (...deps: Deps) => (gauge: Gauge<Label>) => Promise<void>;
}

/**
 * A gauge read when Prometheus scrapes, as a provider (injectable with @InjectMetric, like
 * the make*Provider metrics). prom-client's registry is one per process: a second application
 * in the process (tests start several) gets the same gauge, and its reading takes over.
 */
export function makeScrapedGaugeProvider<Deps extends unknown[], Label extends string>(
  options: ScrapedGaugeOptions<Deps, Label>,
): FactoryProvider<Gauge<Label>> {
  return {
    provide: getToken(options.name),
    inject: options.inject as InjectionToken[],
    useFactory: (...deps: unknown[]) => {
      const gauge =
        (register.getSingleMetric(options.name) as Gauge<Label> | undefined) ??
        new Gauge<Label>({ name: options.name, help: options.help, labelNames: options.labelNames ?? [] });
      const read = options.read(...(deps as Deps));
      // prom-client calls a metric's `collect` on each scrape; its typings declare it only as
      // a constructor option, but it is read from the instance. A reading that fails keeps the
      // last value: one gauge must not fail the whole scrape.
      (gauge as Gauge<Label> & { collect: () => Promise<void> }).collect = () => read(gauge).catch(() => undefined);
      return gauge;
    },
  };
}
