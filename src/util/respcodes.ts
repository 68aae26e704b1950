/**
 * Sync ("weave") error codes, sent as the JSON body of a 400 with `jsonBadRequest(code)`
 * (docs/compatibility.md E). When a code is added here, add it to the table in docs/util.md too.
 */

/** 1: illegal method/protocol. */
export const ERROR_ILLEGAL_METH = 1;
/** 2: incorrect or missing CAPTCHA. */
export const ERROR_INVALID_CAPTCHA = 2;
/** 3: invalid or missing username. */
export const ERROR_INVALID_USER = 3;
/** 4: attempt to overwrite data that can't be overwritten (e.g. creating a user that exists). */
export const ERROR_INVALID_WRITE = 4;
/** 5: the user id does not match the account in the path. */
export const ERROR_WRONG_USERID = 5;
/** 6: JSON parse failure. */
export const ERROR_MALFORMED_JSON = 6;
/** 7: missing password field. */
export const ERROR_MISSING_PASSWORD = 7;
/** 8: invalid Weave Basic Object. */
export const ERROR_INVALID_WBO = 8;
/** 9: the requested password is not strong enough. */
export const ERROR_WEAK_PASSWORD = 9;
/** 10: invalid or missing password reset code. */
export const ERROR_INVALID_RESET_CODE = 10;
/** 11: unsupported function. */
export const ERROR_UNSUPPORTED_FUNC = 11;
/** 12: no email address on file. */
export const ERROR_NO_EMAIL_ADDRESS = 12;
/** 13: invalid collection. */
export const ERROR_INVALID_COLLECTION = 13;
/** 14: the user is over quota (Sync API 1.1 and up). */
export const ERROR_OVER_QUOTA = 14;
/** 15: the email does not match the username. */
export const ERROR_USERNAME_EMAIL_MISMATCH = 15;
/** 16: client upgrade required (documented by Sync, no constant in the original). */
export const ERROR_CLIENT_UPGRADE_REQUIRED = 16;
/** 17: size limit exceeded (documented by Sync, no constant in the original). */
export const ERROR_SIZE_LIMIT_EXCEEDED = 17;

/** @deprecated v1 name of ERROR_ILLEGAL_METH. */
export const WEAVE_ILLEGAL_METH = ERROR_ILLEGAL_METH;
/** @deprecated v1 name of ERROR_INVALID_CAPTCHA. */
export const WEAVE_INVALID_CAPTCHA = ERROR_INVALID_CAPTCHA;
/** @deprecated v1 name of ERROR_INVALID_USER. */
export const WEAVE_INVALID_USER = ERROR_INVALID_USER;
/** @deprecated v1 name of ERROR_INVALID_WRITE. */
export const WEAVE_INVALID_WRITE = ERROR_INVALID_WRITE;
/** @deprecated v1 name of ERROR_WRONG_USERID. */
export const WEAVE_WRONG_USERID = ERROR_WRONG_USERID;
/** @deprecated v1 name of ERROR_MALFORMED_JSON. */
export const WEAVE_MALFORMED_JSON = ERROR_MALFORMED_JSON;
/** @deprecated v1 name of ERROR_MISSING_PASSWORD. */
export const WEAVE_MISSING_PASSWORD = ERROR_MISSING_PASSWORD;
/** @deprecated v1 name of ERROR_INVALID_WBO. */
export const WEAVE_INVALID_WBO = ERROR_INVALID_WBO;
/** @deprecated v1 name of ERROR_WEAK_PASSWORD. */
export const WEAVE_WEAK_PASSWORD = ERROR_WEAK_PASSWORD;
/** @deprecated v1 name of ERROR_INVALID_RESET_CODE. */
export const WEAVE_INVALID_RESET_CODE = ERROR_INVALID_RESET_CODE;
/** @deprecated v1 name of ERROR_UNSUPPORTED_FUNC. */
export const WEAVE_UNSUPPORTED_FUNC = ERROR_UNSUPPORTED_FUNC;
/** @deprecated v1 name (misspelt there) of ERROR_NO_EMAIL_ADDRESS. */
export const WEAVE_NO_EMAIL_ADRESS = ERROR_NO_EMAIL_ADDRESS;
/** @deprecated v1 name of ERROR_INVALID_COLLECTION. */
export const WEAVE_INVALID_COLLECTION = ERROR_INVALID_COLLECTION;
/** @deprecated v1 name of ERROR_OVER_QUOTA. */
export const WEAVE_OVER_QUOTA = ERROR_OVER_QUOTA;
/** @deprecated WEAVE_-style name of ERROR_USERNAME_EMAIL_MISMATCH. */
export const WEAVE_USERNAME_EMAIL_MISMATCH = ERROR_USERNAME_EMAIL_MISMATCH;
/** @deprecated WEAVE_-style name of ERROR_CLIENT_UPGRADE_REQUIRED. */
export const WEAVE_CLIENT_UPGRADE_REQUIRED = ERROR_CLIENT_UPGRADE_REQUIRED;
/** @deprecated WEAVE_-style name of ERROR_SIZE_LIMIT_EXCEEDED. */
export const WEAVE_SIZE_LIMIT_EXCEEDED = ERROR_SIZE_LIMIT_EXCEEDED;

/** Every code by its `ERROR_*` name, for lookups and iteration: `respcodes.ERROR_WEAK_PASSWORD`. */
export const respcodes = Object.freeze({
  ERROR_ILLEGAL_METH,
  ERROR_INVALID_CAPTCHA,
  ERROR_INVALID_USER,
  ERROR_INVALID_WRITE,
  ERROR_WRONG_USERID,
  ERROR_MALFORMED_JSON,
  ERROR_MISSING_PASSWORD,
  ERROR_INVALID_WBO,
  ERROR_WEAK_PASSWORD,
  ERROR_INVALID_RESET_CODE,
  ERROR_UNSUPPORTED_FUNC,
  ERROR_NO_EMAIL_ADDRESS,
  ERROR_INVALID_COLLECTION,
  ERROR_OVER_QUOTA,
  ERROR_USERNAME_EMAIL_MISMATCH,
  ERROR_CLIENT_UPGRADE_REQUIRED,
  ERROR_SIZE_LIMIT_EXCEEDED,
} as const);

export type RespCode = (typeof respcodes)[keyof typeof respcodes];
