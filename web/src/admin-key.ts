/**
 * The admin key lives in sessionStorage only: it is gone when the tab closes, and it never
 * lands in localStorage, which the import view sends to the server wholesale.
 */
const STORAGE_KEY = 'dnd-image-service.admin-key';

/**
 * Printable ASCII only: an HTTP header cannot carry other characters (fetch refuses to send
 * "€"), and ADMIN_API_KEY is typed into a config file or an environment variable anyway.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function readAdminKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) || undefined;
}

/** Why this key cannot be used, or undefined when it can. */
export function adminKeyProblem(key: string): string | undefined {
  return PRINTABLE_ASCII.test(key) ? undefined : 'An admin key uses only letters, digits and ASCII punctuation: check it for accents, symbols such as € or stray characters.';
}

/** Saves a usable key (an empty one forgets the key); throws with adminKeyProblem's words otherwise. */
export function saveAdminKey(key: string): void {
  const problem = adminKeyProblem(key);
  if (problem) throw new Error(problem);
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  else forgetAdminKey();
}

export function forgetAdminKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
