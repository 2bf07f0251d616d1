/**
 * True when a unique index rejected a write: P2002 from model queries, P2010 with a
 * UniqueConstraintViolation cause from raw ones (the driver adapters report it that way).
 */
export function isUniqueViolation(error: unknown): boolean {
  const { code, meta } = (error ?? {}) as {
    code?: string;
    meta?: { driverAdapterError?: { cause?: { kind?: string } } };
  };
  return (
    code === "P2002" ||
    (code === "P2010" && meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation")
  );
}
