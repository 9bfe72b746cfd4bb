/** The longest processing time a demo request may ask for with x-demo-delay-ms. */
export const MAX_DEMO_DELAY_MS = 10_000;
