import { STATUS_CODES } from 'node:http';

/** The media type of RFC 9457 problem details. */
export const PROBLEM_JSON = 'application/problem+json';

// The members RFC 9457 defines; an app's own members may set type, title and instance, never status.
const OWN_MEMBERS = new Set(['type', 'title', 'instance']);

export interface ProblemInput {
  status: number;
  /** A human-readable explanation of this occurrence. */
  detail?: string;
  /** Extension members (`errors` of a validation failure, `crashId`), and `type`, `title` or `instance` when the app sets them. */
  members?: Readonly<Record<string, unknown>>;
}

/**
 * An RFC 9457 problem details document: `type` (`about:blank` unless the app gives one),
 * `title` (the status's reason phrase for `about:blank`), `status`, `detail`, then the extension
 * members. A member named `status` or `detail` is ignored: those are the answer's own.
 */
export function problemDetails(input: ProblemInput): { contentType: string; body: string } {
  const problem: Record<string, unknown> = { type: 'about:blank', title: STATUS_CODES[input.status] ?? 'Error', status: input.status };
  if (input.detail !== undefined && input.detail !== '') problem.detail = input.detail;
  for (const [name, value] of Object.entries(input.members ?? {})) {
    if (name === 'status' || name === 'detail') continue;
    if (OWN_MEMBERS.has(name) && typeof value !== 'string') continue;
    problem[name] = value;
  }
  return { contentType: PROBLEM_JSON, body: JSON.stringify(problem) };
}
