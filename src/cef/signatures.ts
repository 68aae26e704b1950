/** Predefined CEF Signature IDs (docs/compatibility.md B.1); downstream ArcSight rules match on these exact strings. */
export const AUTH_FAILURE = 'AuthFail';
export const CAPTCHA_FAILURE = 'CaptchaFail';
export const OVERRIDE_FAILURE = 'InvalidAdmin';
export const ACCOUNT_LOCKED = 'AccountLockout';
export const PASSWD_RESET_CLR = 'PasswordResetCleared';
