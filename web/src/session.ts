export const roles = ['customer', 'rider', 'operator'] as const;
export type Role = (typeof roles)[number];

export interface Session {
  role: Role;
  subject: string;
  token: string;
}

const KEY = 'msd.session';

/** The signed-in caller, kept for this browser tab only. */
export function storedSession(): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as Session) : undefined;
}

export function storeSession(session: Session | undefined): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/** A development token from the server that serves the app (the launcher, outside production only). */
export async function signInForDevelopment(role: Role, subject: string): Promise<Session> {
  const response = await fetch(`/dev/token?role=${role}&subject=${encodeURIComponent(subject)}`);
  if (!response.ok) throw new Error(`Sign-in failed: ${(await response.text()) || response.status}`);
  const { token } = (await response.json()) as { token: string };
  return { role, subject, token };
}
