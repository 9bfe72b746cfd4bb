// Checks the configuration once, when the server starts: production mode refuses to run with the demo logins,
// the demo admin token or no session secret, instead of failing at the first sign-in.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs' && process.env.NEXT_PHASE !== 'phase-production-build') {
    const { checkConfigOrExit } = await import('./lib/startup-check');
    checkConfigOrExit();
  }
}
