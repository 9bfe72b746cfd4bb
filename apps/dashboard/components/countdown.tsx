'use client';
// A live countdown to a time on the store's clock. The server renders it from the store's `now`, and the
// browser counts down from there with its own elapsed time, so a skewed browser clock cannot mislead.
import { useEffect, useState } from 'react';
import { formatDuration } from '../lib/format';

export function Countdown({
  until,
  now,
  endedText = 'ended',
}: {
  until: number;
  now: number;
  endedText?: string;
}) {
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    const started = performance.now();
    const timer = setInterval(() => setElapsed(performance.now() - started), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = until - now - elapsed;
  return (
    <span role="timer" aria-live="off" data-remaining-ms={Math.round(left)}>
      {left > 0 ? `in ${formatDuration(left)}` : `${endedText} ${formatDuration(-left)} ago`}
    </span>
  );
}
