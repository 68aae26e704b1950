export { roundTime, time2bigint, bigint2time } from './time';
export { validEmail, validPassword, validUsername, hasUnsafeNameCharacters, checkResetCode, type PasswordRules, type UsernameRules } from './validation';
export { batch } from './batch';
export { getUrl, type GetUrlOptions, type GetUrlResult } from './get-url';
export { sendEmail, type EmailMessage, type SendEmailResult } from './send-email';
