/**
 * `describe` when `ready`; otherwise one skipped test names the reason. The body is not even
 * run then: it may connect to what is missing while it declares its tests.
 */
export function describeIf(ready: boolean, name: string, skipReason: string, body: () => void): void {
  if (ready) describe(name, body);
  else describe.skip(`${name} (${skipReason})`, () => it.skip(skipReason, () => undefined));
}
