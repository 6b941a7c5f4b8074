/**
 * The admin key lives in sessionStorage only: it is gone when the tab closes, and it never
 * lands in localStorage, which the import view sends to the server wholesale.
 */
const STORAGE_KEY = 'dnd-image-service.admin-key';

export function readAdminKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) || undefined;
}

export function saveAdminKey(key: string): void {
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  else forgetAdminKey();
}

export function forgetAdminKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
