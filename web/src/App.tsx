import { useApolloClient } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import type { AppConfig } from './config.ts';
import { Catalog } from './pages/Catalog.tsx';
import { ConsistencyConsole } from './pages/ConsistencyConsole.tsx';
import { Orders } from './pages/Orders.tsx';
import { Rides } from './pages/Rides.tsx';
import { Shop } from './pages/Shop.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { type Role, type Session, storedSession, storeSession } from './session.ts';

interface Page {
  path: string;
  title: string;
  roles: readonly Role[];
  render: (session: Session, config: AppConfig) => React.ReactNode;
}

/** The pages, each for the roles that may use what it shows. */
const pages: Page[] = [
  { path: 'shop', title: 'Shop', roles: ['customer', 'operator'], render: (s) => <Shop session={s} /> },
  { path: 'orders', title: 'Orders', roles: ['customer', 'operator'], render: () => <Orders /> },
  { path: 'catalog', title: 'Catalog', roles: ['operator'], render: () => <Catalog /> },
  { path: 'rides', title: 'Rides', roles: ['rider', 'operator'], render: () => <Rides /> },
  {
    path: 'console',
    title: 'Consistency console',
    roles: ['operator'],
    render: (_s, config) => <ConsistencyConsole gatewayUrl={config.gatewayUrl} />,
  },
];

function currentPath(): string {
  return location.hash.replace(/^#\/?/, '');
}

export function App({ config }: { config: AppConfig }) {
  const client = useApolloClient();
  const [session, setSession] = useState(storedSession);
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const onHash = () => setPath(currentPath());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const signIn = (next: Session | undefined) => {
    storeSession(next);
    setSession(next);
    // Another caller sees other data: nothing cached for the previous one may show.
    void client.clearStore();
    if (next) location.hash = `#/${pages.find((page) => page.roles.includes(next.role))?.path ?? ''}`;
  };

  if (!session) return <SignIn config={config} onSignIn={signIn} />;
  const allowed = pages.filter((page) => page.roles.includes(session.role));
  const page = allowed.find((candidate) => candidate.path === path) ?? allowed[0];
  return (
    <>
      <header>
        <nav aria-label="Pages">
          <ul>
            {allowed.map((candidate) => (
              <li key={candidate.path}>
                <a href={`#/${candidate.path}`} aria-current={candidate === page ? 'page' : undefined}>
                  {candidate.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p className="who">
          Signed in as <strong>{session.subject}</strong> ({session.role}){' '}
          <button type="button" onClick={() => signIn(undefined)}>
            Sign out
          </button>
        </p>
      </header>
      <main>
        {page ? (
          <>
            <h1>{page.title}</h1>
            {page.render(session, config)}
          </>
        ) : null}
      </main>
    </>
  );
}
