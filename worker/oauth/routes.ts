import { registerOAuthDiscoveryRoutes } from "./discovery.js";
import { registerOAuthRegistrationRoutes } from "./registration.js";
import { registerOAuthTokenRoutes } from "./token.js";
import { registerOAuthDeviceRoutes } from "./deviceAuthorization.js";
import { registerSignInRoutes } from "./signInRoutes.js";
import { registerAuthorizeRoutes } from "./authorize.js";
import { registerDeviceLinkRoutes } from "./deviceLink.js";
import { registerUserinfoRoutes } from "./userinfo.js";
import { registerAccountPageRoutes } from "./accountRoutes.js";

/** Every endpoint of the OAuth 2.0 API (Lattice as its own authorization server). */
export function registerOAuthRoutes(): void {
  registerOAuthDiscoveryRoutes();
  registerOAuthRegistrationRoutes();
  registerOAuthTokenRoutes();
  registerOAuthDeviceRoutes();
  registerSignInRoutes();
  registerAuthorizeRoutes();
  registerDeviceLinkRoutes();
  registerUserinfoRoutes();
  registerAccountPageRoutes();
}
