// type-graphql's @Authorized check: every operation names the least role it needs.
import type { AuthCheckerFn } from "type-graphql";
import type { RequestContext } from "../graphql/context";
import { apiError, ErrorCode } from "../graphql/errors";
import { allows, type KeyRing, type Role } from "./api-keys";

/**
 * Builds the checker for @Authorized<Role>(…). Anonymous callers that need a key get
 * UNAUTHENTICATED with HTTP 401, like a wrong key (refused before any resolver, in the context);
 * keys without the role get FORBIDDEN with HTTP 403. Resolvers never run in either case, so
 * nothing is written.
 */
export function createAuthChecker(keys: KeyRing): AuthCheckerFn<RequestContext, Role> {
  return ({ context }, roles) => {
    const required = strongest(roles);
    const { principal } = context;
    if (allows(principal, required)) return true;
    if (required === "ADMIN" && !keys.hasKeysFor("ADMIN")) {
      throw apiError(
        ErrorCode.Forbidden,
        "Admin operations are disabled: no ADMIN_API_KEYS are configured",
        403,
      );
    }
    if (principal.kind === "anonymous") {
      throw apiError(
        ErrorCode.Unauthenticated,
        `This operation needs an API key with the ${required} role: send Authorization: Bearer <key>`,
        401,
      );
    }
    throw apiError(
      ErrorCode.Forbidden,
      `This operation needs the ${required} role; the API key sent has the ${principal.role} role`,
      403,
    );
  };
}

function strongest(roles: Role[]): Role {
  if (roles.includes("ADMIN")) return "ADMIN";
  if (roles.includes("INGEST")) return "INGEST";
  return "READ";
}
