/** Core's `Error::kind()`. */
export type ErrorKind =
  | "unsupportedFormat"
  /** The format is in the `imagemint/all` module, not in `imagemint`. */
  | "formatNotBuilt"
  | "decode"
  | "limitsExceeded"
  | "invalidOptions"
  | "model"
  | "inference"
  | "encode";

/** Every error imagemint throws. */
export class ImageMintError extends Error {
  readonly name: "ImageMintError";
  readonly kind: ErrorKind;
  /** The option at fault (camelCase path, e.g. "encode.quality"), for some "invalidOptions". */
  readonly field?: string;
  constructor(kind: ErrorKind, message: string, field?: string);
}
