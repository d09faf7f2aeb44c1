/**
 * How the Teams endpoint authenticates: botbuilder's ConfigurationBotFrameworkAuthentication, built from the
 * environment (MICROSOFT_APP_ID / _PASSWORD / _TENANT_ID / _TYPE: SingleTenant by default, MultiTenant or
 * UserAssignedMSI). Every inbound request's JWT is verified against the Bot Framework's OpenID metadata
 * (issuer, signing key, audience = the app id, service URL, expiry). Without an app id (TEAMS_EMULATOR=1 only)
 * authentication is off and anonymous requests are accepted.
 *
 * Endpoint settings (`ToBotFromChannelOpenIdMetadataUrl`, `ToChannelFromBotLoginUrl`, …) may be given for
 * clouds other than the public one; any missing setting keeps the public cloud's value. The tests use this to
 * serve a test key set from a loopback OpenID metadata endpoint, so real signed tokens are checked for real.
 *
 * botbuilder answers a token signed with an unknown key or a wrong algorithm with a 500 (the JWT library's own
 * error escapes); StrictAuthentication turns every failure to authenticate into the 401 it is.
 */
import { ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import {
  AuthenticationConstants,
  AuthenticationError,
  BotFrameworkAuthentication,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorFactory,
  type UserTokenClient,
} from 'botframework-connector';
import type { TeamsConfig } from '../../src/config/env.ts';

/** Bot Framework endpoint settings (names as botbuilder's configuration uses them). */
export type TeamsAuthSettings = Readonly<Record<string, string>>;

/** The public cloud's endpoints, filled in under any setting that is not given. */
const PUBLIC_CLOUD: Record<string, string> = {
  ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
  ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
  ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
  OAuthUrl: AuthenticationConstants.OAuthUrl,
  ToBotFromChannelOpenIdMetadataUrl: AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
  ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
  CallerId: 'urn:botframework:azure',
};

/** The audience of the bot's own calls to the connector. */
export const audienceOf = (settings: TeamsAuthSettings = {}): string => settings.ToChannelFromBotOAuthScope ?? AuthenticationConstants.ToChannelFromBotOAuthScope;

export function createAuthentication(config: TeamsConfig | null, settings: TeamsAuthSettings = {}): BotFrameworkAuthentication {
  const options: ConfigurationBotFrameworkAuthenticationOptions = config
    ? {
        MicrosoftAppId: config.appId,
        MicrosoftAppType: config.appType,
        ...(config.appPassword ? { MicrosoftAppPassword: config.appPassword } : {}),
        ...(config.tenantId ? { MicrosoftAppTenantId: config.tenantId } : {}),
      }
    : {};
  const endpoints = Object.keys(settings).length ? { ...PUBLIC_CLOUD, ...settings } : {};
  return new StrictAuthentication(new ConfigurationBotFrameworkAuthentication({ ...options, ...endpoints }));
}

const unauthorized = (error: unknown): AuthenticationError =>
  error instanceof AuthenticationError ? error : new AuthenticationError(`Unauthorized: ${error instanceof Error ? error.message : 'the token could not be verified'}`, 401);

class StrictAuthentication extends BotFrameworkAuthentication {
  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    try {
      return await this.inner.authenticateRequest(activity, authHeader);
    } catch (error) {
      throw unauthorized(error);
    }
  }

  override async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    try {
      return await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader);
    } catch (error) {
      throw unauthorized(error);
    }
  }

  override async authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    try {
      return await this.inner.authenticateChannelRequest(authHeader);
    } catch (error) {
      throw unauthorized(error);
    }
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.inner.createConnectorFactory(claimsIdentity);
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.inner.createUserTokenClient(claimsIdentity);
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }
}
