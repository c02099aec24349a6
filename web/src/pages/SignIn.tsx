import { useState } from 'react';
import type { AppConfig } from '../config.ts';
import { type Role, roles, type Session, signInForDevelopment } from '../session.ts';

const demoSubjects: Record<Role, string> = {
  customer: 'customer-001',
  rider: 'rider-001',
  operator: 'operator',
};
const whatEachMay: Record<Role, string> = {
  customer: 'shops and reads its own orders',
  rider: 'requests and reads its own rides',
  operator: 'renames products and watches the copies, runs the consistency console',
};

/** Sign-in as one of the demo users, with a development token from the server that serves the app. */
export function SignIn({ config, onSignIn }: { config: AppConfig; onSignIn: (session: Session) => void }) {
  const [role, setRole] = useState<Role>('customer');
  const [subject, setSubject] = useState(demoSubjects.customer);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  if (!config.developmentTokens)
    return (
      <main>
        <h1>Sign in</h1>
        <p role="alert">
          Development sign-in is not offered here. Serve the app with <code>npm start</code>, or sign in
          through your identity provider.
        </p>
      </main>
    );

  return (
    <main>
      <h1>Sign in</h1>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            onSignIn(await signInForDevelopment(role, subject));
          } catch (failure) {
            setError((failure as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <fieldset>
          <legend>Demo user (development token)</legend>
          {roles.map((candidate) => (
            <label key={candidate} className="choice">
              <input
                type="radio"
                name="role"
                value={candidate}
                checked={role === candidate}
                onChange={() => {
                  setRole(candidate);
                  setSubject(demoSubjects[candidate]);
                }}
              />
              {candidate}: {whatEachMay[candidate]}
            </label>
          ))}
        </fieldset>
        <label>
          Subject
          <input value={subject} onChange={(event) => setSubject(event.target.value)} required />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && <p role="alert">{error}</p>}
      </form>
    </main>
  );
}
