import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="card">
      <h1>Not found</h1>
      <p>No key and no event is known under that name. It may have expired and been purged.</p>
      <Link prefetch={false} href="/keys">
        Search the keys
      </Link>
    </div>
  );
}
