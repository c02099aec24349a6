/** Where the app finds the gateway, and whether development sign-in is offered. */
export interface AppConfig {
  gatewayUrl: string;
  developmentTokens: boolean;
}

/**
 * The server that serves the app answers /app-config.json (the launcher does, with the gateway it
 * started); without it, the gateway is assumed on port 4000 of the same host.
 */
export async function loadConfig(): Promise<AppConfig> {
  const fallback: AppConfig = {
    gatewayUrl: `${location.protocol}//${location.hostname}:4000/graphql`,
    developmentTokens: false,
  };
  try {
    const response = await fetch('/app-config.json');
    if (!response.ok) return fallback;
    return { ...fallback, ...((await response.json()) as Partial<AppConfig>) };
  } catch {
    return fallback;
  }
}
