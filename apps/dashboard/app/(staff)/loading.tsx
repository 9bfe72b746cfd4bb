// Shown while a page's data loads: the shape of what is coming, announced to screen readers.
export default function Loading() {
  return (
    <div role="status" aria-live="polite" aria-busy="true">
      <span className="visually-hidden">Loading…</span>
      <div className="skeleton" style={{ width: '30%', height: '1.6rem' }} />
      <div className="skeleton" style={{ width: '55%' }} />
      <div className="card">
        <div className="skeleton" />
        <div className="skeleton" />
        <div className="skeleton" style={{ width: '80%' }} />
        <div className="skeleton" style={{ width: '65%' }} />
      </div>
    </div>
  );
}
