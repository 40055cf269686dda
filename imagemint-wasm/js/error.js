// The one error class of the package; imagemint's core errors arrive as instances of it.
export class ImageMintError extends Error {
  /**
   * @param {string} kind core's error kind, e.g. "decode" or "invalidOptions"
   * @param {string} message
   * @param {string | undefined} field the option at fault, for "invalidOptions"
   */
  constructor(kind, message, field) {
    super(message);
    this.name = "ImageMintError";
    this.kind = kind;
    if (field !== undefined) this.field = field;
  }
}
