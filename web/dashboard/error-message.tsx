import { type ApiError, explainError } from "./api";

export function ErrorMessage({ error }: { error: ApiError }) {
  return (
    <p className="error" role="alert">
      {explainError(error)}
    </p>
  );
}
