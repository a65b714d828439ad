/** The error every payload decoder throws: what went wrong and, when known, at which byte. */
export class DecodeFailure extends Error {
  override name = 'DecodeFailure';
  constructor(
    message: string,
    /** Byte offset into the payload where decoding stopped. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
  }
}
