'use client';
// Keeps a page current without a full reload: re-renders its server components every few seconds
// (router.refresh keeps scroll position, focus and form input), paused while the tab is hidden or when the
// reader pauses it. Says when it last refreshed, politely, so screen readers are not interrupted.
import { useRouter } from 'next/navigation';
import { useEffect, useState, useTransition } from 'react';

export function AutoRefresh({ seconds = 10 }: { seconds?: number }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  const [, startTransition] = useTransition();
  const [last, setLast] = useState<number | null>(null);
  const [, tick] = useState(0);

  useEffect(() => {
    if (paused) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      startTransition(() => router.refresh());
      setLast(Date.now());
    }, seconds * 1000);
    return () => clearInterval(timer);
  }, [paused, router, seconds]);

  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);

  const ago = last === null ? null : Math.max(0, Math.round((Date.now() - last) / 1000));
  return (
    <span className={`live${paused ? ' paused' : ''}`}>
      <span className="dot" aria-hidden="true" />
      <span>
        {paused ? 'Live updates paused' : `Live: refreshes every ${seconds} s`}
        {ago !== null && !paused ? ` · updated ${ago} s ago` : ''}
      </span>
      <button type="button" className="link" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
        {paused ? 'Resume' : 'Pause'}
      </button>
    </span>
  );
}
