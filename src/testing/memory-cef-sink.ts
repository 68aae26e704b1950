import { inspect } from 'node:util';
import type { CefEvent, CefSink } from '../cef/types';

/** What an expected event must have; unset fields match anything, `extensions` is a subset. */
export interface CefEventMatch {
  name?: string;
  signature?: string;
  severity?: number;
  suser?: string;
  extensions?: Record<string, string | number>;
}

function matches(event: CefEvent, expected: CefEventMatch): boolean {
  if (expected.name !== undefined && event.name !== expected.name) return false;
  if (expected.signature !== undefined && event.signature !== expected.signature) return false;
  if (expected.severity !== undefined && event.severity !== expected.severity) return false;
  if (expected.suser !== undefined && event.suser !== expected.suser) return false;
  for (const [key, value] of Object.entries(expected.extensions ?? {})) {
    if (event.extensions[key] !== String(value)) return false;
  }
  return true;
}

function show(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: 120 });
}

/** A CefSink for tests: keeps every event and line in memory and checks them. */
export class MemoryCefSink implements CefSink {
  readonly description = 'memory';
  readonly events: CefEvent[] = [];
  readonly lines: string[] = [];

  write(line: string, event: CefEvent): void {
    this.lines.push(line);
    this.events.push(event);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  /** The events that match; throws, listing what was logged, when there is none. */
  assertLogged(expected: CefEventMatch): CefEvent[] {
    const found = this.events.filter((event) => matches(event, expected));
    if (found.length === 0) {
      const logged = this.events.length === 0 ? 'nothing was logged' : `logged:\n${this.events.map((e) => `  ${show(e)}`).join('\n')}`;
      throw new Error(`expected a CEF event matching ${show(expected)}; ${logged}`);
    }
    return found;
  }

  /** Throws, listing the offending events, when any event matches. */
  assertNotLogged(expected: CefEventMatch): void {
    const found = this.events.filter((event) => matches(event, expected));
    if (found.length > 0) {
      throw new Error(`expected no CEF event matching ${show(expected)}; found:\n${found.map((e) => `  ${show(e)}`).join('\n')}`);
    }
  }

  clear(): void {
    this.events.length = 0;
    this.lines.length = 0;
  }
}
