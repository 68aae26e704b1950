/**
 * How an app answers (docs/app.md "Answer profiles"): `legacy`, the default, as the Python
 * original did (WebOb's error pages, respcode JSON bodies, `X-Weave-Timestamp`); `json`, for new
 * JSON APIs (every error `application/problem+json`, no Weave header, the Basic realm named
 * after the app). An app picks one with `static answerProfile`.
 */
export type AnswerProfile = 'legacy' | 'json';

const PROFILES: readonly AnswerProfile[] = ['legacy', 'json'];

/** The app class's `answerProfile` (undefined: `legacy`); anything else fails at construction. */
export function readAnswerProfile(owner: string, value: unknown): AnswerProfile {
  if (value === undefined) return 'legacy';
  if ((PROFILES as readonly unknown[]).includes(value)) return value as AnswerProfile;
  throw new TypeError(`${owner}.answerProfile must be 'legacy' or 'json', got ${JSON.stringify(value) ?? String(value)}`);
}
