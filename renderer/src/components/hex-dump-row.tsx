import { memo } from 'react';
import { asciiCell } from '../../../shared/byte-format';

/** Bytes per row of the dump, as Wireshark and hexdump -C show them. */
export const BYTES_PER_ROW = 16;
/** Pixel height of a row (the dump is virtualized: a 1 MB payload is 65,536 rows). */
export const HEX_ROW_HEIGHT = 18;

interface Props {
  bytes: Uint8Array;
  /** Offset of the row's first byte. */
  start: number;
  top: number;
  selection: { start: number; end: number } | undefined;
  onCellDown: (offset: number, shift: boolean) => void;
  onCellEnter: (offset: number) => void;
  onCellUp: (offset: number) => void;
}

/**
 * One row of the hex dump: the offset, sixteen bytes in hex, then the same sixteen as ASCII
 * (a dot for anything unprintable). A byte is one cell in each half; both light up with the
 * selection, and either can be clicked or dragged over.
 */
export const HexDumpRow = memo(function HexDumpRow({ bytes, start, top, selection, onCellDown, onCellEnter, onCellUp }: Props) {
  const end = Math.min(bytes.length, start + BYTES_PER_ROW);
  const lit = (offset: number) => selection !== undefined && offset >= selection.start && offset < selection.end;
  const cell = (offset: number, kind: 'hex' | 'ascii') => {
    const byte = bytes[offset]!;
    const on = lit(offset);
    return (
      <span
        role="gridcell"
        key={`${kind}${offset}`}
        data-offset={offset}
        aria-selected={on}
        aria-label={kind === 'ascii' ? `ASCII ${offset}` : undefined}
        className={`${kind}-byte${on ? ' highlighted' : ''}`}
        onMouseDown={(e) => {
          e.preventDefault();
          onCellDown(offset, e.shiftKey);
        }}
        onMouseEnter={() => onCellEnter(offset)}
        onMouseUp={() => onCellUp(offset)}
      >
        {kind === 'hex' ? byte.toString(16).padStart(2, '0') : asciiCell(byte)}
      </span>
    );
  };
  const offsets: number[] = [];
  for (let i = start; i < end; i++) offsets.push(i);
  return (
    <div role="row" className="hex-row" style={{ position: 'absolute', top, left: 0, right: 0, height: HEX_ROW_HEIGHT }}>
      <span className="hex-offset" role="rowheader">
        {start.toString(16).padStart(4, '0')}
      </span>
      <span className="hex-cells">{offsets.map((o) => cell(o, 'hex'))}</span>
      <span className="ascii-cells">{offsets.map((o) => cell(o, 'ascii'))}</span>
    </div>
  );
});
