/**
 * A problem with what the user handed in (a missing file, a bad header…), as opposed to a bug.
 * Commands print its message as one line and exit 1; the API will map it to a client error.
 */
export class InputError extends Error {
  override name = "InputError";
}
