import { ApolloProvider } from '@apollo/client/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { createClient } from './apollo.ts';
import { loadConfig } from './config.ts';
import { storedSession } from './session.ts';
import './styles.css';

const config = await loadConfig();
// The token is read per request, so signing in or out needs no new client.
const client = createClient(config.gatewayUrl, () => storedSession()?.token);

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <App config={config} />
    </ApolloProvider>
  </StrictMode>,
);
