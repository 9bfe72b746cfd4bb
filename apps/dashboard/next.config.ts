// The dashboard talks to the app's admin API only from the server (server components, actions, route handlers),
// so nothing here is public. It uses idem's packages as any app would: built (dist), from their exports.
// Built as Next's standalone output: the server and exactly the node_modules files it loads, which is what the
// published package carries (scripts/standalone.mjs assembles it, bin/idem-dashboard.mjs serves it).
import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  output: 'standalone',
  // No next/image: without the optimiser the build needs no sharp, whose native binaries would tie the package
  // to one platform.
  images: { unoptimized: true },
  // A monorepo: trace files from the repository root, where the one lockfile is.
  outputFileTracingRoot: new URL('../..', import.meta.url).pathname,
  turbopack: { root: new URL('../..', import.meta.url).pathname },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
          // Nothing is loaded from elsewhere (no CDN, no external font), so everything may be limited to this
          // origin. Scripts keep 'unsafe-inline' because Next streams its payload in inline scripts; without
          // nonces that is the one allowance left. HSTS belongs to whatever terminates TLS in front.
          {
            key: 'Content-Security-Policy',
            value: [
              "default-src 'self'",
              "script-src 'self' 'unsafe-inline'",
              "style-src 'self' 'unsafe-inline'",
              "img-src 'self' data: blob:",
              "font-src 'self'",
              "connect-src 'self'",
              "object-src 'none'",
              "base-uri 'self'",
              "form-action 'self'",
              "frame-ancestors 'none'",
            ].join('; '),
          },
          { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
        ],
      },
    ];
  },
};

export default config;
