/**
 * Errors that cross the UI↔backend boundary. Whatever is thrown on one side arrives on the
 * other as a plain `{name, message, code}` object, so both carriers (Electron IPC and the
 * browser-mode WebSocket) can send it without losing anything.
 */

/** Every code an error crossing the contract may carry. */
export type ErrorCode =
  | 'UNKNOWN_COMMAND'
  | 'INVALID_ARGUMENTS'
  | 'INVALID_PROFILE'
  | 'NOT_FOUND'
  | 'NOT_CONNECTED'
  | 'ALREADY_CONNECTED'
  | 'CONNECT_FAILED'
  | 'MQTT_ERROR'
  | 'STORE_CORRUPT'
  /** A store file written by a newer version of the app: refused, never overwritten. */
  | 'STORE_TOO_NEW'
  | 'STORE_IO'
  | 'TRANSPORT_CLOSED'
  | 'INTERNAL';

/** The serialisable form of an error. */
export interface ErrorInfo {
  name: string;
  message: string;
  code: ErrorCode;
  /** Field name → message, for validation errors shown next to form fields. */
  fields?: Record<string, string>;
}

/** An error with a contract code; thrown by handlers, rebuilt by callers. */
export class DeskError extends Error {
  override name = 'DeskError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }

  /** Rebuilds a thrown error from its wire form, keeping name and code. */
  static fromInfo(info: ErrorInfo): DeskError {
    const error = new DeskError(info.code, info.message, info.fields);
    error.name = info.name;
    return error;
  }
}

/** Turns anything thrown into the wire form; unknown errors become `INTERNAL`. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof DeskError) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      ...(error.fields ? { fields: error.fields } : {}),
    };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message, code: 'INTERNAL' };
  }
  return { name: 'Error', message: String(error), code: 'INTERNAL' };
}
