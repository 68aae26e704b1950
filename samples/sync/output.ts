/**
 * Response bodies with timestamps as two-decimal JSON numbers (`1297417122.30`, as the legacy
 * server's Decimal output), in JSON, `application/newlines` or `application/whoisi`.
 */
import { HttpResponse, jsonTextsResponse, type AcceptSource } from '../../src';
import type { StoredWbo } from './sync-storage';

/** JSON text of a WBO; `modified` is written as its two-decimal text. */
export function wboJson(wbo: StoredWbo): string {
  const parts = [`"id": ${JSON.stringify(wbo.id)}`];
  if (wbo.parentid !== undefined) parts.push(`"parentid": ${JSON.stringify(wbo.parentid)}`);
  if (wbo.predecessorid !== undefined) parts.push(`"predecessorid": ${JSON.stringify(wbo.predecessorid)}`);
  if (wbo.sortindex !== undefined) parts.push(`"sortindex": ${wbo.sortindex}`);
  if (wbo.modified !== undefined) parts.push(`"modified": ${wbo.modified}`);
  if (wbo.payload !== undefined) parts.push(`"payload": ${JSON.stringify(wbo.payload)}`);
  return `{${parts.join(', ')}}`;
}

/** A map of names to two-decimal stamps (hundredths) as a JSON object. */
export function stampsJson(stamps: Map<string, number>): string {
  const parts: string[] = [];
  for (const [name, hundredths] of stamps) parts.push(`${JSON.stringify(name)}: ${hundredthsText(hundredths)}`);
  return `{${parts.join(', ')}}`;
}

/** Hundredths as two-decimal text. */
export function hundredthsText(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A raw JSON text response. */
export function rawJson(text: string, headers: Record<string, string> = {}, status = 200): HttpResponse {
  return new HttpResponse(text, { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

/**
 * Items already serialised as JSON texts (two-decimal `modified`), in the format `Accept` prefers
 * (the legacy `convert_response`); the JSON list is separated as Python's json.dumps does.
 */
export function itemsResponse(accept: AcceptSource, texts: string[], headers: Record<string, string> = {}): HttpResponse {
  return jsonTextsResponse(accept, texts, { headers }, ', ');
}

/** Python's `str(float)` for a quota figure: `5.0`, `0.0765625`. */
export function pyFloatText(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}
