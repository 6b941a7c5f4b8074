/**
 * Control characters (tab and line breaks aside): no prompt or name needs one, PostgreSQL
 * cannot store a NUL, and a caption cannot draw one. Refused wherever text comes in.
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
