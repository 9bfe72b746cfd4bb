'use client';
// Keeps a page current without a full reload: re-renders its server components every few seconds (router.refresh
// keeps scroll position, focus and form input: one request per refresh, since the pages' links do not prefetch).
// Only one tab polls, however many are open: the tab last focused leads and tells the others through a
// BroadcastChannel; another tab catches up the moment it is focused again. Paused while hidden, or when the reader
// pauses it. Says when it last refreshed, politely, so screen readers are not interrupted.
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';

const CHANNEL = 'idem-dashboard-live';

export function AutoRefresh({ seconds = 10 }: { seconds?: number }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  const [leading, setLeading] = useState(true);
  const [, startTransition] = useTransition();
  const [last, setLast] = useState<number | null>(null);
  const [, tick] = useState(0);
  const id = useRef(Math.random().toString(36).slice(2));

  useEffect(() => {
    if (typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel(CHANNEL);
    const lead = () => {
      setLeading(true);
      channel.postMessage({ lead: id.current });
    };
    channel.onmessage = (message: MessageEvent<{ lead?: string }>) => {
      if (message.data.lead !== undefined && message.data.lead !== id.current) setLeading(false);
    };
    const onFocus = () => {
      if (document.visibilityState !== 'visible') return;
      // Back in front: catch up at once and take over the polling.
      startTransition(() => router.refresh());
      setLast(Date.now());
      lead();
    };
    lead();
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onFocus);
    return () => {
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onFocus);
      channel.close();
    };
  }, [router]);

  useEffect(() => {
    if (paused || !leading) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      startTransition(() => router.refresh());
      setLast(Date.now());
    }, seconds * 1000);
    return () => clearInterval(timer);
  }, [paused, leading, router, seconds]);

  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);

  const ago = last === null ? null : Math.max(0, Math.round((Date.now() - last) / 1000));
  const live = !paused && leading;
  return (
    <span className={`live${live ? '' : ' paused'}`} data-testid="live">
      <span className="dot" aria-hidden="true" />
      <span>
        {paused
          ? 'Live updates paused'
          : leading
            ? `Live: refreshes every ${seconds} s`
            : 'Live in another tab; this one updates when you come back'}
        {ago !== null && live ? ` · updated ${ago} s ago` : ''}
      </span>
      <button type="button" className="link" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
        {paused ? 'Resume' : 'Pause'}
      </button>
    </span>
  );
}
