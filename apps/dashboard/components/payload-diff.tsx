// The original request next to a conflicting one, line by line (D2). Changed lines are marked by colour and,
// for screen readers, in words.
import { sideBySide } from '../lib/side-by-side';

function Cell({ cell, side }: { cell: ReturnType<typeof sideBySide>['rows'][number]['left']; side: string }) {
  const said =
    cell.kind === 'removed' ? 'only in the original: ' : cell.kind === 'added' ? `only in the ${side}: ` : '';
  return (
    <>
      <td className="num">{cell.line ?? ''}</td>
      <td className={cell.kind}>
        {said ? <span className="visually-hidden">{said}</span> : null}
        {cell.text}
      </td>
    </>
  );
}

export function PayloadDiff({
  original,
  other,
  otherLabel,
}: {
  original: string;
  other: string;
  otherLabel: string;
}) {
  const { rows, changed } = sideBySide(original, other);
  return (
    <section className="table-wrap" aria-label={`Difference: original request and ${otherLabel}`}>
      <table className="diff">
        <colgroup>
          <col className="num" />
          <col />
          <col className="num" />
          <col />
        </colgroup>
        <caption className="visually-hidden">
          {changed === 0 ? 'The two requests are the same once keys are sorted.' : `${changed} lines differ.`}
        </caption>
        <thead>
          <tr>
            <th scope="col" colSpan={2}>
              Original request
            </th>
            <th scope="col" colSpan={2}>
              {otherLabel}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are a fixed rendering of one diff, never reordered
            <tr key={i}>
              <Cell cell={row.left} side={otherLabel} />
              <Cell cell={row.right} side={otherLabel} />
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
