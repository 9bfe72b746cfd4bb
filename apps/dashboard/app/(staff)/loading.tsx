// Shown while a page's data loads: the shape of what is coming, announced to screen readers. It has the page's one
// heading until the page replaces it, so a reader landing here still finds where the page starts.
export default function Loading() {
  return (
    <div role="status" aria-live="polite" aria-busy="true">
      <h1 className="visually-hidden">Loading…</h1>
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
