// What every bench reads from its command line, and how it sums up repeated measurements.

/** The value after `--name` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
}

/** Every value given as `--name value` (the option repeated), in order. */
export function options(name: string): string[] {
  return process.argv.flatMap((arg, i) => (arg === `--${name}` && i + 1 < process.argv.length ? [process.argv[i + 1]] : []));
}

/** `option` as a number. */
export function numberOption(name: string, fallback: number): number {
  return Number(option(name, String(fallback)));
}

/** The middle value (the mean of the middle two for an even count): steadier than a mean on a shared machine. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
