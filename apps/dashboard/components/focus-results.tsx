'use client';
// After a search, focus goes to the results (their heading), not back to the top of the page: a keyboard or
// screen-reader user lands on what they asked for instead of tabbing through the form again.
import { useEffect } from 'react';

export function FocusResults({ targetId, when }: { targetId: string; when: string }) {
  useEffect(() => {
    if (when === '') return;
    document.getElementById(targetId)?.focus();
  }, [targetId, when]);
  return null;
}
