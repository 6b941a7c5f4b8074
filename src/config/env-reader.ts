type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads typed values out of an environment and collects every problem instead of
 * stopping at the first, so a misconfigured service says everything that is wrong at once.
 * An empty value counts as unset (`GEMINI_API_KEY=` in a .env file means "none").
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  optionalString(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  string(name: string, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  integer(name: string, fallback: number, range: { min: number; max?: number }): number {
    return this.parse(name, fallback, describeRange('an integer', range), (raw) => {
      const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      return inRange(value, range) ? value : undefined;
    });
  }

  number(name: string, fallback: number, range: { min: number; max?: number }): number {
    return this.parse(name, fallback, describeRange('a number', range), (raw) => {
      const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
      return inRange(value, range) ? value : undefined;
    });
  }

  boolean(name: string, fallback: boolean): boolean {
    return this.parse(name, fallback, 'true or false', (raw) => {
      const value = raw.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(value)) return true;
      if (['false', '0', 'no', 'off'].includes(value)) return false;
      return undefined;
    });
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    return this.parse(name, fallback, `one of ${allowed.join(', ')}`, (raw) =>
      allowed.find((option) => option === raw.toLowerCase()),
    );
  }

  /** `parseValue` returns undefined when the raw text is invalid; `expected` says what is valid. */
  parse<T>(name: string, fallback: T, expected: string, parseValue: (raw: string) => T | undefined): T {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    const value = parseValue(raw);
    if (value === undefined) {
      this.problems.push(`${name} must be ${expected} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  /** Records a problem that spans variables (e.g. a provider that needs a key). */
  fail(problem: string): void {
    this.problems.push(problem);
  }
}

function inRange(value: number, { min, max }: { min: number; max?: number }): boolean {
  return Number.isFinite(value) && value >= min && (max === undefined || value <= max);
}

function describeRange(kind: string, { min, max }: { min: number; max?: number }): string {
  return max === undefined ? `${kind} ≥ ${min}` : `${kind} from ${min} to ${max}`;
}
