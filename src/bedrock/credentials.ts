// Whether the AWS SDK's default credential chain finds anything, asked before a command sends work
// to Bedrock: a person running `npm run analyze --analyzer bedrock` without credentials should read
// what is missing and how to provide it, not a failed call (and not a ledger row for it).
// The chain alone, not a client: a client would also print the SDK's multi-line Node version notice
// before the one line this is for.
import { defaultProvider } from "@aws-sdk/credential-provider-node";

/** What to do when the chain finds no credentials: one line, every usual way to provide them. */
export const MISSING_AWS_CREDENTIALS =
  "no AWS credentials found for Bedrock: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
  "(plus AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE for a profile in ~/.aws/config " +
  "(after `aws sso login` for SSO), or run where a container or instance role is attached";

/**
 * Resolves the default credential chain (environment, shared config and SSO, container and instance
 * roles) the way the Bedrock client will.
 *
 * @returns undefined when credentials were found, else a sentence saying what is missing.
 */
export async function missingAwsCredentials(): Promise<string | undefined> {
  try {
    await defaultProvider()();
    return undefined;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "CredentialsProviderError") return MISSING_AWS_CREDENTIALS;
    // A profile that exists but cannot be used (expired SSO session, bad role): the SDK says why.
    return `AWS credentials could not be loaded for Bedrock: ${(error as Error).message}`;
  }
}
