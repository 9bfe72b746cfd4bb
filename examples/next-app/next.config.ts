import type { NextConfig } from 'next';

const config: NextConfig = {
  // node-postgres stays a plain Node dependency of the server, not bundled.
  serverExternalPackages: ['pg'],
};

export default config;
